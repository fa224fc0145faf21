import pytest

from adapters.stack_outputs import StackLookupError, stack_output
from tests.fakes import stubbed_client


def stubbed():
    return stubbed_client("cloudformation")


def stack(outputs):
    return {
        "Stacks": [
            {
                "StackName": "s",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": outputs,
            }
        ]
    }


def test_reads_the_named_output():
    client, stub = stubbed()
    stub.add_response(
        "describe_stacks",
        stack(
            [
                {"OutputKey": "Other", "OutputValue": "x"},
                {
                    "OutputKey": "SuppressionTableName",
                    "OutputValue": "ses-feedback-dev-suppression",
                },
            ]
        ),
        {"StackName": "ses-feedback-dev"},
    )
    with stub:
        assert stack_output("ses-feedback-dev", "SuppressionTableName", client) == (
            "ses-feedback-dev-suppression"
        )


def test_missing_output_or_stack_is_a_clear_error():
    client, stub = stubbed()
    stub.add_response("describe_stacks", stack([]), {"StackName": "s"})
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id t does not exist")
    with stub:
        with pytest.raises(StackLookupError, match="has no output"):
            stack_output("s", "SuppressionTableName", client)
        with pytest.raises(StackLookupError, match="cannot describe stack 't'"):
            stack_output("t", "SuppressionTableName", client)


def test_cli_reports_a_missing_table_as_one_line(monkeypatch, capsys):
    from cli import main as cli_main

    def lookup(stack, key, client=None):
        raise StackLookupError(f"cannot describe stack {stack!r}: no credentials")

    monkeypatch.delenv("SUPPRESSION_TABLE", raising=False)
    monkeypatch.setattr("adapters.stack_outputs.stack_output", lookup)
    assert cli_main.main(["check", "a@example.com", "--stack", "missing"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ses-feedback: error: cannot describe stack 'missing'")
    assert "Traceback" not in err
