"""One-click unsubscribe tokens: sealed, compact, expiring, rotating, and no return path."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given
from hypothesis import strategies as st

from domain.addresses import InvalidAddressError
from domain.inbound.proof import ReturnPathSigner
from domain.scopes import GLOBAL_SCOPE, InvalidScopeError
from domain.unsubscribe_token import (
    CLOCK_SKEW,
    MAX_TOKEN_CHARS,
    ExpiredTokenError,
    InvalidTokenSignatureError,
    MalformedTokenError,
    TokenConfigurationError,
    UnsubscribeTokenError,
    UnsubscribeTokens,
    derive_key,
)

KEY = b"unsubscribe-test-key-0123456789"
OLD_KEY = b"unsubscribe-old-key-9876543210"
MINTED = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)
RECIPIENT = "jane.doe@example.com"


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def tokens() -> UnsubscribeTokens:
    return UnsubscribeTokens([KEY])


# --- round trip ---------------------------------------------------------------------------


def test_a_token_names_its_recipient_scope_and_minting_time(tokens):
    token = tokens.mint("Jane.Doe@Example.COM", "Newsletter:Weekly", MINTED)
    request = tokens.verify(token, MINTED + timedelta(days=1))
    assert request.recipient == RECIPIENT  # the table's key form
    assert request.scope == "newsletter:weekly"
    assert request.minted_at == MINTED
    assert len(request.token_id) == 32


def test_no_scope_is_the_global_scope(tokens):
    for scope in (None, "", "global", "GLOBAL"):
        assert tokens.verify(tokens.mint(RECIPIENT, scope, MINTED), MINTED).scope == GLOBAL_SCOPE
    # written as an empty scope: the global token is 6 bytes shorter than one named "global"
    # would be, and every spelling gives the very same token
    assert len({tokens.mint(RECIPIENT, s, MINTED) for s in (None, "", "global")}) == 1


def test_tokens_are_compact_url_safe_and_do_not_show_the_address(tokens):
    token = tokens.mint(RECIPIENT, None, MINTED)
    assert len(token) == 56
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for shown in (token.encode(), raw(token)):
        assert b"jane" not in shown.lower() and b"example" not in shown.lower()
    # the longest scope and address still fit the limit the endpoint enforces
    longest = tokens.mint(f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 57}.com", "x" * 128, MINTED)
    assert len(longest) <= MAX_TOKEN_CHARS


def test_different_requests_give_different_tokens_and_ids(tokens):
    seen = {
        tokens.mint(RECIPIENT, None, MINTED),
        tokens.mint("john.roe@example.com", None, MINTED),
        tokens.mint(RECIPIENT, "marketing", MINTED),
        tokens.mint(RECIPIENT, None, MINTED + timedelta(seconds=1)),
    }
    assert len(seen) == 4
    assert len({tokens.verify(t, MINTED + timedelta(seconds=2)).token_id for t in seen}) == 4


@given(
    local=st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True),
    scope=st.from_regex(r"[a-z0-9]{1,10}(:[a-z0-9]{1,10}){0,3}", fullmatch=True),
    seconds=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_round_trip_for_any_address_scope_and_time(local, scope, seconds):
    if ".." in local:
        return
    tokens = UnsubscribeTokens([KEY])
    at = datetime.fromtimestamp(seconds, UTC)
    request = tokens.verify(tokens.mint(f"{local}@example.com", scope, at), at)
    assert (request.recipient, request.scope, request.minted_at) == (
        f"{local}@example.com",
        scope,
        at,
    )


def test_what_cannot_be_minted(tokens):
    with pytest.raises(InvalidAddressError):
        tokens.mint("not an address", None, MINTED)
    with pytest.raises(InvalidScopeError):
        tokens.mint(RECIPIENT, "no spaces", MINTED)


# --- tampering ----------------------------------------------------------------------------


def test_changing_any_byte_or_bit_of_a_token_makes_it_worthless(tokens):
    token = tokens.mint(RECIPIENT, "marketing", MINTED)
    data = raw(token)
    for i in range(len(data)):
        for flip in (0x01, 0x80):
            altered = bytearray(data)
            altered[i] ^= flip
            with pytest.raises(UnsubscribeTokenError) as caught:
                tokens.verify(encode(bytes(altered)), MINTED)
            # the version byte is checked first; every other byte fails the seal
            expected = MalformedTokenError if i == 0 else InvalidTokenSignatureError
            assert type(caught.value) is expected, (i, flip)


def test_truncated_or_extended_tokens_are_refused(tokens):
    data = raw(tokens.mint(RECIPIENT, None, MINTED))
    for altered in (data[:-1], data + b"\x00", data[:20], data[:1] + data[2:]):
        with pytest.raises(UnsubscribeTokenError):
            tokens.verify(encode(altered), MINTED)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A",
        "A" * (MAX_TOKEN_CHARS + 1),
        "AVli5O2k+q5pwzQ8iJC5mmSzzPdMRzYu6aDoyqFSod3rETiSzlcjWcm7",  # '+': not base64url
        "AVli5O2kAq5pwzQ8iJC5mmSzzPdMRzYu6aDoyqFSod3rETiSzlcjWcm7==",  # padding
        "AVli5O2kAq5pwzQ8 iJC5mmSzzPdMRzYu6aDoyqFSod3rETiSzlcjWcm7",
        "AVli5O2kAq5pwzQ8iJC5mmSzzPdMRzYu6aDoyqFSod3rETiSzlcjWcm7\n",
        "AVli5O2kAq5pwzQ8iJC5mmSzzPdMRzYu6aDoyqFSod3rETiSzlcjWcm7A",  # 4n+1 characters
        "..%2F..%2Fetc",
        encode(b"\x02" + b"\x00" * 40),  # another version
    ],
)
def test_malformed_text_is_refused_before_any_key_is_tried(tokens, text):
    with pytest.raises(MalformedTokenError):
        tokens.verify(text, MINTED)


def test_a_token_of_another_key_is_refused(tokens):
    forged = UnsubscribeTokens([b"an-attackers-own-key-01234567"]).mint(RECIPIENT, None, MINTED)
    with pytest.raises(InvalidTokenSignatureError):
        tokens.verify(forged, MINTED)


# --- lifetime -----------------------------------------------------------------------------


def test_a_token_works_until_its_lifetime_has_passed_to_the_second():
    tokens = UnsubscribeTokens([KEY], lifetime=timedelta(days=90))
    token = tokens.mint(RECIPIENT, None, MINTED)
    end = MINTED + timedelta(days=90)
    assert tokens.verify(token, end - timedelta(seconds=1)).recipient == RECIPIENT
    with pytest.raises(ExpiredTokenError):
        tokens.verify(token, end)
    with pytest.raises(ExpiredTokenError):
        tokens.verify(token, end + timedelta(days=400))


def test_the_verifiers_lifetime_decides_also_for_tokens_already_sent():
    token = UnsubscribeTokens([KEY], lifetime=timedelta(days=90)).mint(RECIPIENT, None, MINTED)
    at = MINTED + timedelta(days=100)
    with pytest.raises(ExpiredTokenError):
        UnsubscribeTokens([KEY], lifetime=timedelta(days=90)).verify(token, at)
    longer = UnsubscribeTokens([KEY], lifetime=timedelta(days=180))
    assert longer.verify(token, at).recipient == RECIPIENT


def test_a_token_from_the_future_is_refused_beyond_the_clock_skew(tokens):
    token = tokens.mint(RECIPIENT, None, MINTED)
    assert tokens.verify(token, MINTED - CLOCK_SKEW).recipient == RECIPIENT
    with pytest.raises(ExpiredTokenError):
        tokens.verify(token, MINTED - CLOCK_SKEW - timedelta(seconds=1))


def test_a_naive_time_is_read_as_utc(tokens):
    token = tokens.mint(RECIPIENT, None, MINTED.replace(tzinfo=None))
    assert tokens.verify(token, MINTED).minted_at == MINTED


# --- keys ---------------------------------------------------------------------------------


def test_rotation_the_first_key_mints_every_key_verifies():
    before = UnsubscribeTokens([OLD_KEY])
    during = UnsubscribeTokens([KEY, OLD_KEY])
    after = UnsubscribeTokens([KEY])
    old_token = before.mint(RECIPIENT, None, MINTED)
    new_token = during.mint(RECIPIENT, None, MINTED)
    assert new_token == after.mint(RECIPIENT, None, MINTED)  # minted with the new key
    assert during.verify(old_token, MINTED).recipient == RECIPIENT
    assert during.verify(new_token, MINTED).recipient == RECIPIENT
    with pytest.raises(InvalidTokenSignatureError):
        after.verify(old_token, MINTED)  # the old key removed: its tokens stop working


def test_unusable_configurations_are_refused():
    with pytest.raises(TokenConfigurationError):
        UnsubscribeTokens([])
    with pytest.raises(TokenConfigurationError):
        UnsubscribeTokens([KEY, b"short"])
    with pytest.raises(TokenConfigurationError):
        UnsubscribeTokens([KEY], lifetime=timedelta(0))


# --- domain separation from return paths --------------------------------------------------


def test_a_return_path_token_is_not_an_unsubscribe_token(tokens):
    signer = ReturnPathSigner([KEY])
    path_token = signer.token(RECIPIENT, MINTED)  # <day><mac>, valid for this recipient
    assert signer.proven([RECIPIENT], signer.tokens_in([f"bounces+{path_token}@x.example"]), MINTED)
    for candidate in (path_token, path_token.upper(), f"bounces+{path_token}"):
        with pytest.raises(MalformedTokenError):
            tokens.verify(candidate, MINTED)


def test_the_raw_key_never_seals_tokens(tokens):
    """If the key were used without derivation, a token sealed under it (or under the first
    bytes of a return-path HMAC) would open. It does not: only the derived key seals."""
    derived = derive_key(KEY)
    assert len(derived) == 64
    assert KEY not in derived and derived != derive_key(OLD_KEY)
    plain = int(MINTED.timestamp()).to_bytes(4, "big") + b"\x00" + RECIPIENT.encode()
    for wrong_key in (KEY.ljust(64, b"\x00"), (KEY * 3)[:64]):
        sealed = b"\x01" + AESSIV(wrong_key).encrypt(plain, [b"\x01"])
        with pytest.raises(InvalidTokenSignatureError):
            tokens.verify(encode(sealed), MINTED)
    genuine = b"\x01" + AESSIV(derived).encrypt(plain, [b"\x01"])
    assert tokens.verify(encode(genuine), MINTED + timedelta(seconds=1)).recipient == RECIPIENT


def test_an_unsubscribe_token_proves_no_return_path(tokens):
    token = tokens.mint(RECIPIENT, None, MINTED)
    signer = ReturnPathSigner([KEY])
    texts = [token, f"bounces+{token}@mail.example.com", f"bounces+{token[:20]}@mail.example.com"]
    assert signer.proven([RECIPIENT], signer.tokens_in(texts), MINTED) == frozenset()
