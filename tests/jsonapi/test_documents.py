"""What both OpenAPI documents must carry: a description for every operation, an example for
every JSON request and answer (true to its schema), every error status with its codes, and the
rules the code enforces."""

import re

import pytest
from jsonschema import Draft202012Validator

from app.jsonapi import openapi
from app.jsonapi.errors import CODES

DOCUMENTS = ["/api/v1/openapi.json", "/attendant/api/openapi.json"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def validator(doc, schema):
    return Draft202012Validator({**schema, "components": doc["components"]})


def examples(media: dict) -> list:
    found = [media["example"]] if "example" in media else []
    return found + [e["value"] for e in media.get("examples", {}).values()]


@pytest.mark.parametrize("url", DOCUMENTS)
def test_every_operation_is_described_with_examples_and_its_errors(app, client, url):
    doc = client.get(url).get_json()
    assert CJK.search(doc["info"]["description"])
    for name, op in operations(doc):
        assert CJK.search(op["summary"]) and len(op["description"]) > 10, name
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert examples(body), f"{name}: no request example"
            for example in examples(body):
                validator(doc, body["schema"]).validate(example)
        for param in op["parameters"]:
            if param["required"]:
                assert "example" in param or "example" in param["schema"], (name, param["name"])
        for status, answer in op["responses"].items():
            for media_type, media in answer.get("content", {}).items():
                if media_type != "application/json":
                    continue  # images: the bytes themselves
                assert examples(media), f"{name} {status}: no example"
                for example in examples(media):
                    validator(doc, media["schema"]).validate(example)
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                codes = schema["properties"]["error"]["properties"]["code"]["enum"]
                assert codes and all(CODES[code][0] == int(status) for code in codes), name
                assert all(f"`{code}`" in answer["description"] for code in codes), name
        if "security" in op:
            assert "401" in op["responses"], name


def test_every_operation_lists_the_errors_it_is_known_to_answer_with(app, client):
    driver = dict(operations(client.get(DOCUMENTS[0]).get_json()))
    attendant = dict(operations(client.get(DOCUMENTS[1]).get_json()))

    def codes(op, status):
        schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
        return set(schema["properties"]["error"]["properties"]["code"]["enum"])

    place = driver["POST /orders"]
    assert codes(place, 400) == {"invalid_request", "idempotency_key_required"}
    assert codes(place, 409) >= {"station_closed", "rejected", "idempotency_key_reused"}
    assert codes(driver["POST /orders/{order_id}/pay"], 409) >= {"insufficient_balance"}
    assert codes(driver["GET /orders/{order_id}/qr.png"], 404) == {"not_found", "no_pickup_code"}
    confirm = attendant["POST /orders/confirm"]
    assert codes(confirm, 403) >= {"other_station", "role_not_allowed", "no_station"}
    assert codes(confirm, 400) == {"invalid_request", "csrf_failed"}
    assert codes(confirm, 423) == {"locked"}
    assert codes(attendant["POST /unlock"], 401) == {"unauthorized", "pin_lockout"}


def test_the_rules_the_code_enforces_are_in_the_documents(app, client):
    driver = client.get(DOCUMENTS[0]).get_json()
    schemas = driver["components"]["schemas"]
    place = schemas["PlaceOrderRequest"]
    conditions = {
        rule["if"]["properties"]["mode"]["const"]: rule["then"]["required"]
        for rule in place["allOf"]
        if "if" in rule
    }
    assert conditions == {"amount": ["amount_fen"], "volume": ["volume_ml"]}
    assert [r["required"] for r in place["allOf"][2]["anyOf"]] == [["fuel"], ["nozzle"]]
    volume = place["properties"]["volume_ml"]["anyOf"][0]
    assert (volume["multipleOf"], volume["minimum"]) == (10, 1000)
    assert re.fullmatch(place["properties"]["plate"]["anyOf"][0]["pattern"], "云A12345")
    key = dict(operations(driver))["POST /orders"]["parameters"][0]
    assert key["name"] == "Idempotency-Key" and key["schema"]["pattern"] == "^[!-~]{1,100}$"

    attendant = client.get(DOCUMENTS[1]).get_json()["components"]["schemas"]
    pin = attendant["NewPinRequest"]["properties"]["pin"]
    assert pin["pattern"] == "^[0-9]{4,6}$"
    assert {"1111", "1234", "4321", "000000", "456789"} <= set(pin["not"]["enum"])
    reading = attendant["ConfirmRequest"]["properties"]["dispensed_ml"]
    assert (reading["multipleOf"], reading["minimum"]) == (10, 10)


def test_every_request_field_has_a_name_people_use(app):
    models = {m for op in openapi.OPERATIONS for m in (op.query, op.body) if m is not None}
    assert len(models) >= 10
    for model in models:
        for name, field in model.model_fields.items():
            assert field.title and (CJK.search(field.title) or field.title == "PIN"), (model, name)
