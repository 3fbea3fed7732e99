"""The attendant API's own OpenAPI 3.1 document, apart from the driver's."""

import re

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts, get_spec_version

from tests.api.conftest import assert_error


def document(client) -> dict:
    answer = client.get("/attendant/api/openapi.json")
    assert answer.status_code == 200 and answer.content_type == "application/json"
    return answer.get_json()


def test_document_is_valid_openapi_31(app, client):
    doc = document(client)
    validate(doc)
    assert get_spec_version(doc) == consts.OPENAPIV31
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert doc["servers"] == [{"url": "/attendant/api"}]
    assert doc["components"]["securitySchemes"]["session"]["in"] == "cookie"


def test_every_attendant_route_is_documented_and_only_those(app, client):
    doc = document(client)
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("attendant.") and rule.endpoint != "attendant.openapi_document":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/attendant/api"))
            routed |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert {
        ("/login", "post"),
        ("/logout", "post"),
        ("/me", "get"),
        ("/pin", "post"),
        ("/lock", "post"),
        ("/unlock", "post"),
        ("/orders/lookup", "get"),
        ("/orders/by-code", "post"),
        ("/orders/preview", "get"),
        ("/orders/confirm", "post"),
        ("/stations/{station_id}/orders", "get"),
        ("/stations/{station_id}/events", "get"),
    } == documented
    driver = client.get("/api/v1/openapi.json").get_json()
    assert not set(driver["paths"]) & set(doc["paths"]) - {"/me"}
    assert driver["paths"]["/me"]["get"]["security"] == [{"bearer": []}]


def test_writes_document_the_csrf_header_and_errors(app, client):
    doc = document(client)
    confirm = doc["paths"]["/orders/confirm"]["post"]
    csrf = doc["components"]["securitySchemes"]["csrf"]
    assert (csrf["in"], csrf["name"]) == ("header", "X-CSRFToken")
    assert confirm["security"] == [{"session": [], "csrf": []}]
    assert {"400", "401", "403", "404", "409", "410"} <= set(confirm["responses"])
    codes = confirm["responses"]["400"]["content"]["application/json"]["schema"]
    assert "csrf_failed" in codes["properties"]["error"]["properties"]["code"]["enum"]
    body = doc["components"]["schemas"]["ConfirmRequest"]
    assert body["required"] == ["token", "dispensed_ml"]
    login = doc["paths"]["/login"]["post"]
    assert "security" not in login and login["parameters"] == []
    assert "csrf_token" in doc["components"]["schemas"]["LoginResponse"]["required"]
    lookup = doc["paths"]["/orders/lookup"]["get"]
    assert [p["name"] for p in lookup["parameters"]] == ["token"]
    assert "content" not in doc["paths"]["/logout"]["post"]["responses"]["204"]


def test_unknown_attendant_path_uses_the_error_shape(app, client):
    assert_error(client.get("/attendant/api/no-such-thing"), 404, "not_found")
    assert_error(client.delete("/attendant/api/me"), 405, "method_not_allowed")
