"""One key rule for return paths and unsubscribe tokens (they share a secret)."""

import pytest

from domain.inbound.proof import ProofConfigurationError, ReturnPathSigner
from domain.keys import MIN_KEY_BYTES, first_short_key
from domain.unsubscribe_token import TokenConfigurationError, UnsubscribeTokens

LONG = b"k" * MIN_KEY_BYTES
SHORT = b"secret-but-short"[: MIN_KEY_BYTES - 1]


def test_first_short_key_names_a_position():
    assert first_short_key([LONG, LONG]) is None
    assert first_short_key([LONG, SHORT, SHORT]) == 1


@pytest.mark.parametrize(
    ("build", "error"),
    [(ReturnPathSigner, ProofConfigurationError), (UnsubscribeTokens, TokenConfigurationError)],
)
def test_both_refuse_a_short_key_by_position_without_quoting_it(build, error):
    build([LONG])  # long enough: accepted
    with pytest.raises(error) as refused:
        build([LONG, SHORT])
    assert "(key 1)" in str(refused.value)
    assert SHORT.decode() not in str(refused.value)


def test_key_list_problem_says_what_is_wrong_by_position_never_by_value():
    from domain.keys import key_list_problem

    assert key_list_problem([LONG], "unsubscribe") is None
    assert key_list_problem([], "return-path") == "at least one return-path key is needed"
    problem = key_list_problem([LONG, SHORT], "unsubscribe")
    assert problem == f"unsubscribe keys must be at least {MIN_KEY_BYTES} bytes (key 1)"
    assert SHORT.decode("latin-1") not in problem
