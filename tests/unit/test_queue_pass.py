"""The dead-letter pass the redrive operations share (adapters/queue_pass.py), on a fake SQS
client: what is deleted, given back, and when the pass stops."""

from __future__ import annotations

from adapters.queue_pass import run_pass


class FakeSqs:
    def __init__(self, batches, fail_delete=()):
        self.batches = [list(b) for b in batches]
        self.deleted: list[str] = []
        self.released: list[str] = []
        self.fail_delete = set(fail_delete)

    def receive_message(self, **_kwargs):
        return {"Messages": self.batches.pop(0)} if self.batches else {}

    def delete_message(self, QueueUrl, ReceiptHandle):
        assert QueueUrl == "q"
        if ReceiptHandle in self.fail_delete:
            raise ConnectionError("reset")
        self.deleted.append(ReceiptHandle)

    def change_message_visibility_batch(self, QueueUrl, Entries):
        assert QueueUrl == "q"
        self.released.extend(e["ReceiptHandle"] for e in Entries)
        return {"Failed": []}


def message(handle: str) -> dict:
    return {"ReceiptHandle": handle, "Body": handle}


def run(sqs, answers):
    errors: list[str] = []
    reports: list[int] = []
    run_pass(
        sqs,
        "q",
        lambda m: answers[m["Body"]],
        limit=None,
        wait_seconds=0,
        errors=errors,
        delete_failed="delete after test: {} (again)",
        report=reports.append,
    )
    return errors, reports


def test_done_is_deleted_kept_is_given_back_and_a_failed_delete_is_said():
    sqs = FakeSqs([[message("a"), message("b")], [message("c")]], fail_delete={"c"})
    errors, reports = run(sqs, {"a": "done", "b": "kept", "c": "done"})
    assert sqs.deleted == ["a"]
    assert sqs.released == ["b"]
    assert errors == ["delete after test: reset (again)"]
    assert reports[-1] == 3


def test_stop_gives_back_the_rest_of_its_batch_untouched_and_ends_the_pass():
    sqs = FakeSqs([[message("a"), message("b"), message("c")], [message("d")]])
    handled = []
    answers = {"a": "done", "b": "stop", "c": "done", "d": "done"}
    errors: list[str] = []
    run_pass(
        sqs,
        "q",
        lambda m: handled.append(m["Body"]) or answers[m["Body"]],
        limit=None,
        wait_seconds=0,
        errors=errors,
        delete_failed="{}",
        report=lambda _n: None,
    )
    assert handled == ["a", "b"]  # c never looked at, d never received
    assert sqs.deleted == ["a"] and sqs.released == ["b", "c"]
    assert len(sqs.batches) == 1 and errors == []
