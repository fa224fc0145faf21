import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.scopes import (
    GLOBAL_SCOPE,
    InvalidScopeError,
    covering_scopes,
    normalise_scope,
)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_no_scope_is_global(empty):
    assert normalise_scope(empty) == GLOBAL_SCOPE


def test_scope_is_lower_cased_and_trimmed():
    assert normalise_scope(" Marketing ") == "marketing"
    assert normalise_scope("News.Letter:Weekly_2") == "news.letter:weekly_2"


@pytest.mark.parametrize(
    "bad", ["a b", "a/b", ":a", "a:", "a::b", "-a", "a-", "é", "a@b", "x" * 129, "a\nb"]
)
def test_bad_scopes_are_refused(bad):
    with pytest.raises(InvalidScopeError):
        normalise_scope(bad)


def test_error_does_not_quote_the_input():
    with pytest.raises(InvalidScopeError) as err:
        normalise_scope("secret value")
    assert "secret" not in str(err.value)


def test_covering_scopes_nest_on_colon():
    assert covering_scopes(GLOBAL_SCOPE) == (GLOBAL_SCOPE,)
    assert covering_scopes("marketing") == (GLOBAL_SCOPE, "marketing")
    assert covering_scopes("list:topic:sub") == (
        GLOBAL_SCOPE,
        "list",
        "list:topic",
        "list:topic:sub",
    )


@given(st.from_regex(r"[a-z0-9]{1,5}(:[a-z0-9]{1,5}){0,3}", fullmatch=True))
def test_global_always_covers(scope):
    scope = normalise_scope(scope)
    covering = covering_scopes(scope)
    assert covering[0] == GLOBAL_SCOPE
    assert covering[-1] == scope
