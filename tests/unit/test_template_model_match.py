"""Each pynamodb model and template.yaml describe the same table (keys, indexes, TTL)."""

from __future__ import annotations

import pytest

from adapters import inbound_table, published_events, suppression_table

MODELS = {
    "SuppressionTable": (suppression_table.SuppressionModel, suppression_table.TTL_ATTRIBUTE),
    "InboundTable": (inbound_table.InboundModel, inbound_table.TTL_ATTRIBUTE),
    "PublishedEventsTable": (
        published_events.PublishedEventModel,
        published_events.TTL_ATTRIBUTE,
    ),
}


def _keys(schema):
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def _model_keys(hash_key, range_key):
    return {"HASH": hash_key, **({"RANGE": range_key} if range_key else {})}


@pytest.mark.parametrize("logical_id", MODELS)
def test_table_matches_its_model(template, logical_id):
    model, ttl_attribute = MODELS[logical_id]
    props = template["Resources"][logical_id]["Properties"]
    assert _keys(props["KeySchema"]) == _model_keys(model._hash_keyname, model._range_keyname)
    model_attrs = model.get_attributes()
    for definition in props["AttributeDefinitions"]:
        name = definition["AttributeName"]
        assert model_attrs[name].attr_type == definition["AttributeType"], name

    template_indexes = {
        g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
        for g in props.get("GlobalSecondaryIndexes", [])
    }
    model_indexes = {}
    for index in model._indexes.values():
        attrs = index.Meta.attributes.values()
        keys = _model_keys(
            next(a.attr_name for a in attrs if a.is_hash_key),
            next((a.attr_name for a in attrs if a.is_range_key), None),
        )
        model_indexes[index.Meta.index_name] = (keys, index.Meta.projection.projection_type)
    assert model_indexes == template_indexes

    assert props["TimeToLiveSpecification"] == {"AttributeName": ttl_attribute, "Enabled": True}
    assert type(model_attrs[ttl_attribute]).__name__ == "TTLAttribute"


@pytest.mark.parametrize("logical_id", MODELS)
def test_tables_have_the_required_protections(template, logical_id):
    props = template["Resources"][logical_id]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_suppression_table_streams_changes(template):
    props = template["Resources"]["SuppressionTable"]["Properties"]
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_queue_visibility_is_at_least_six_times_the_function_timeout(template):
    timeout = template["Globals"]["Function"]["Timeout"]
    queue = template["Resources"]["FeedbackQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert "RedrivePolicy" in queue


def test_every_policy_number_is_a_parameter_passed_to_functions(template):
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    from adapters.settings import _POLICY_VARIABLES

    for variable in _POLICY_VARIABLES:
        if variable == "HISTORY_LIMIT":
            continue
        assert variable in env, variable
        assert env[variable]["Ref"] in template["Parameters"]
