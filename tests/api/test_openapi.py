"""The OpenAPI 3.1 document at /api/v1/openapi.json and the API's error shape."""

import re

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts, get_spec_version

from tests.api.conftest import assert_error


def document(client) -> dict:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.content_type == "application/json"
    return answer.get_json()


def test_document_is_valid_openapi_31(app, client):
    doc = document(client)
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    assert get_spec_version(doc) == consts.OPENAPIV31
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


# Called by WeChat Pay's servers, not by the mini-program: deliberately left out of the document.
SERVER_CALLBACKS = {("/payments/wechat/notify", "post")}


def test_every_api_route_is_documented(app, client):
    doc = document(client)
    prefix = doc["servers"][0]["url"]
    assert prefix == "/api/v1"
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routed.add((path, method.lower()))
    assert routed - SERVER_CALLBACKS == documented
    assert {
        ("/auth/wechat", "post"),
        ("/me", "get"),
        ("/stations", "get"),
        ("/stations/{station_id}", "get"),
        ("/photos/{photo_id}", "get"),
    } <= documented


def resolve(doc, ref):
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_operations_carry_their_schemas(app, client):
    doc = document(client)
    schemas = doc["components"]["schemas"]
    login = doc["paths"]["/auth/wechat"]["post"]
    body = resolve(doc, login["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["js_code"] and body["properties"]["js_code"]["maxLength"] == 128
    ok = resolve(doc, login["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"token", "expires_at", "member"} <= set(ok["properties"])
    assert "session_key" not in str(ok)
    assert {"400", "401", "403", "429", "503"} <= set(login["responses"])
    error = login["responses"]["403"]["content"]["application/json"]["schema"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["properties"]["code"]["enum"] == ["user_blocked"]
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message"}

    me = doc["paths"]["/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert "401" in me["responses"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    nearby = doc["paths"]["/stations"]["get"]
    params = {p["name"]: p for p in nearby["parameters"]}
    assert set(params) == {"lat", "lng", "radius_m", "fuel", "q", "coord", "page", "per_page"}
    assert params["lat"]["required"] and not params["radius_m"]["required"]
    assert params["radius_m"]["schema"]["maximum"] == 50000
    assert params["coord"]["schema"]["enum"] == ["gcj02", "wgs84"]
    page = resolve(doc, nearby["responses"]["200"]["content"]["application/json"]["schema"])
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/StationSummary"}
    summary = schemas["StationSummary"]
    assert {"distance_m", "open_now", "hours_today", "fuels", "photos", "location"} <= set(
        summary["required"]
    )
    assert summary["additionalProperties"] is False

    station = doc["paths"]["/stations/{station_id}"]["get"]
    assert station["parameters"][0] == {
        "name": "station_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "example": 1},
    }
    assert "404" in station["responses"]
    photo = doc["paths"]["/photos/{photo_id}"]["get"]
    assert "image/*" in photo["responses"]["200"]["content"]
    assert "304" in photo["responses"]


def test_unknown_api_path_and_wrong_method_use_the_error_shape(app, client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.delete("/api/v1/me"), 405, "method_not_allowed")
