"""ChangeEventsFunction's reading of stream records (Powertools data classes): the sample in
events/ says what it should, and only DynamoDB's own TTL deletions count as expiries."""

from __future__ import annotations

import copy
import json

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBStreamEvent,
)

from handlers.change_events import changes_of
from tests.conftest import EVENTS

SAMPLE = EVENTS / "ChangeEventsFunction" / "stream-add-lift-ttl-remove.json"


def kinds(event: dict) -> list[list[str]]:
    return [[c.change for c in changes_of(r)] for r in DynamoDBStreamEvent(event).records]


def test_the_sample_is_an_add_a_lift_and_a_ttl_expiry() -> None:
    event = json.loads(SAMPLE.read_text())
    assert kinds(event) == [["added"], ["lifted"], ["expired"]]
    lift = changes_of(next(iter(DynamoDBStreamEvent(event).records)))[0]
    assert lift.version == 1 and lift.reason == "userunknown"


def test_a_delete_by_someone_else_is_a_lift_of_what_was_in_force() -> None:
    event = json.loads(SAMPLE.read_text())
    removal = copy.deepcopy(event["Records"][2])
    del removal["userIdentity"]
    # the sample's item had lapsed long before: a plain delete of it announces its expiry too
    assert kinds({"Records": [removal]}) == [["expired"]]
    # a delete of an item whose suppression is in force is a lift
    insert = event["Records"][0]
    in_force = copy.deepcopy(removal)
    in_force["dynamodb"]["OldImage"] = insert["dynamodb"]["NewImage"]
    assert kinds({"Records": [in_force]}) == [["lifted"]]
    in_force["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert kinds({"Records": [in_force]}) == [["expired"]]
