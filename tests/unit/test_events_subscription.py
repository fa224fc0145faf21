"""SES `Subscription` events (list-management opt-outs and opt-ins) become scoped outcomes."""

from __future__ import annotations

import copy

import pytest

from domain.events import MalformedEventError, contact_list_scope, parse_feedback
from domain.policy import PolicySettings, apply_outcome
from domain.scopes import InvalidScopeError, normalise_scope


def subscription(ses_sample, **prefs):
    payload = copy.deepcopy(ses_sample("event-subscription.json"))
    payload["subscription"]["newTopicPreferences"] = prefs
    return payload


def test_the_aws_sample_unsubscribes_from_the_list_and_the_topic(ses_sample):
    event = parse_feedback(ses_sample("event-subscription.json"))
    assert event.event_type == "Subscription"
    scoped = {(o.address, o.scope, o.classification.reason) for o in event.outcomes}
    assert scoped == {
        ("recipient@example.com", "contactlistname", "unsubscribe"),
        ("recipient@example.com", "contactlistname:exampletopicname", "unsubscribe"),
    }
    ids = [o.event_id for o in event.outcomes]
    assert len(set(ids)) == 2  # one idempotency key per (event, scope, recipient)
    assert all("2022-01-12T01:00:17.910Z" in i for i in ids)  # the event's own time
    assert {o.occurred_at.isoformat() for o in event.outcomes} == {
        "2022-01-12T01:00:17.910000+00:00"
    }
    assert all("UnsubscribeHeader" in (o.classification.diagnostic or "") for o in event.outcomes)


def test_opt_in_and_unsubscribe_all_false_are_recorded_as_re_subscribes(ses_sample):
    event = parse_feedback(
        subscription(
            ses_sample,
            unsubscribeAll=False,
            topicSubscriptionStatus=[
                {"topicName": "Weekly", "subscriptionStatus": "OptIn"},
                {"topicName": "Daily", "subscriptionStatus": "OptOut"},
                {"topicName": "Odd", "subscriptionStatus": "Maybe"},  # unknown: ignored
                "not a topic",
            ],
        )
    )
    assert {(o.scope, o.classification.reason) for o in event.outcomes} == {
        ("contactlistname", "subscribe"),
        ("contactlistname:weekly", "subscribe"),
        ("contactlistname:daily", "unsubscribe"),
    }


def test_the_events_fold_to_scoped_suppressions_only(ses_sample):
    event = parse_feedback(ses_sample("event-subscription.json"))
    record = None
    for o in event.outcomes:
        record = apply_outcome(record, o.address, o, PolicySettings())
    assert record is not None
    assert str(record.decision.state) == "clear"  # global mail still goes out
    assert [d.scope for d in record.decision.scopes] == [
        "contactlistname",
        "contactlistname:exampletopicname",
    ]


def test_a_subscription_without_preferences_changes_nothing(ses_sample):
    payload = copy.deepcopy(ses_sample("event-subscription.json"))
    del payload["subscription"]["newTopicPreferences"]
    assert parse_feedback(payload).outcomes == ()


def test_a_subscription_without_a_contact_list_is_malformed(ses_sample):
    payload = copy.deepcopy(ses_sample("event-subscription.json"))
    del payload["subscription"]["contactList"]
    with pytest.raises(MalformedEventError, match="contactList"):
        parse_feedback(payload)


def test_every_destination_gets_the_preference(ses_sample):
    payload = subscription(ses_sample, unsubscribeAll=True)
    payload["mail"]["destination"] = ["a@example.com", "not an address", "B@Example.com"]
    event = parse_feedback(payload)
    assert [o.address for o in event.outcomes] == ["a@example.com", "b@example.com"]
    assert event.skipped_recipients == 1


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("Newsletter", "newsletter"),
        ("My List (EU)", "my-list-eu"),
        ("__weekly__", "weekly"),
        ("Café Ünïcode", "caf-n-code"),
        ("a.b_c-d", "a.b_c-d"),
        ("Global", "global-list"),  # never the global scope
        ("x" * 200, "x" * 63),
    ],
)
def test_contact_list_names_map_deterministically_to_scopes(name, scope):
    assert contact_list_scope(name) == scope
    assert normalise_scope(scope) == scope


def test_a_name_of_punctuation_only_has_no_scope(ses_sample):
    with pytest.raises(InvalidScopeError):
        contact_list_scope("!!!")
    payload = copy.deepcopy(ses_sample("event-subscription.json"))
    payload["subscription"]["contactList"] = "???"
    with pytest.raises(MalformedEventError, match="no usable scope"):
        parse_feedback(payload)
