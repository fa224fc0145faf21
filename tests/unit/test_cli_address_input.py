import io

from cli.address_input import addresses_from


def test_dash_reads_stdin_lines_in_place(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("b@x.com\n\n  c@x.com  \n"))
    assert list(addresses_from(["a@x.com", "-", "d@x.com"])) == [
        "a@x.com",
        "b@x.com",
        "c@x.com",
        "d@x.com",
    ]


def test_without_dash_stdin_is_not_read(monkeypatch):
    class Unreadable(io.StringIO):
        def __iter__(self):
            raise AssertionError("stdin was read")

    monkeypatch.setattr("sys.stdin", Unreadable())
    assert list(addresses_from(["a@x.com"])) == ["a@x.com"]
