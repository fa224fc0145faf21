import pytest

from domain.addresses import InvalidAddressError, domain_of, mask_address, normalise_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane@Example.COM", "jane@example.com"),
        ('"Jane Doe" <Jane.Doe@Example.com>', "jane.doe@example.com"),
        ("  <bob@example.org>  ", "bob@example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("user@EXAMPLE.com.", "user@example.com"),
    ],
)
def test_normalise(raw, expected):
    assert normalise_address(raw) == expected


@pytest.mark.parametrize("raw", ["", "no-at-sign", "@example.com", "user@", "a b@example.com"])
def test_rejects_non_addresses(raw):
    with pytest.raises(InvalidAddressError):
        normalise_address(raw)


def test_rejects_overlong_addresses():
    with pytest.raises(InvalidAddressError):
        normalise_address("a" * 300 + "@" + "b" * 30 + ".com")


def test_domain_and_mask():
    assert domain_of("jane@example.com") == "example.com"
    assert mask_address("jane@example.com") == "j***@example.com"
    assert "jane" not in mask_address("jane@example.com")
