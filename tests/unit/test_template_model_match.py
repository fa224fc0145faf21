"""The pynamodb model and template.yaml describe the same table (keys, indexes, TTL)."""

from __future__ import annotations

from adapters.suppression_table import TTL_ATTRIBUTE, SuppressionModel


def _keys(schema):
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def test_suppression_table_matches_model(template):
    props = template["Resources"]["SuppressionTable"]["Properties"]
    assert _keys(props["KeySchema"]) == {"HASH": SuppressionModel._hash_keyname}
    assert SuppressionModel._range_keyname is None
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    model_attrs = SuppressionModel.get_attributes()
    for name, attr_type in types.items():
        assert model_attrs[name].attr_type == attr_type, name

    template_indexes = {
        g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
        for g in props["GlobalSecondaryIndexes"]
    }
    model_indexes = {}
    for index in SuppressionModel._indexes.values():
        keys = {}
        for attr in index.Meta.attributes.values():
            if attr.is_hash_key:
                keys["HASH"] = attr.attr_name
            if attr.is_range_key:
                keys["RANGE"] = attr.attr_name
        model_indexes[index.Meta.index_name] = (keys, index.Meta.projection.projection_type)
    assert model_indexes == template_indexes

    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert type(model_attrs[TTL_ATTRIBUTE]).__name__ == "TTLAttribute"


def test_table_has_the_required_protections(template):
    props = template["Resources"]["SuppressionTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
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


def test_inbound_table_matches_model(template):
    from adapters.inbound_table import TTL_ATTRIBUTE as INBOUND_TTL
    from adapters.inbound_table import InboundModel

    props = template["Resources"]["InboundTable"]["Properties"]
    assert _keys(props["KeySchema"]) == {
        "HASH": InboundModel._hash_keyname,
        "RANGE": InboundModel._range_keyname,
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    model_attrs = InboundModel.get_attributes()
    for name, attr_type in types.items():
        assert model_attrs[name].attr_type == attr_type, name
    template_indexes = {
        g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
        for g in props["GlobalSecondaryIndexes"]
    }
    model_indexes = {}
    for index in InboundModel._indexes.values():
        keys = {}
        for attr in index.Meta.attributes.values():
            if attr.is_hash_key:
                keys["HASH"] = attr.attr_name
            if attr.is_range_key:
                keys["RANGE"] = attr.attr_name
        model_indexes[index.Meta.index_name] = (keys, index.Meta.projection.projection_type)
    assert model_indexes == template_indexes
    assert props["TimeToLiveSpecification"] == {"AttributeName": INBOUND_TTL, "Enabled": True}
    assert type(model_attrs[INBOUND_TTL]).__name__ == "TTLAttribute"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
