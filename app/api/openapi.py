"""A small registry of API operations, request parsing, and the OpenAPI 3.1 document."""

import re
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError

from app.api.schemas import ErrorResponse
from app.errors import ApiError

REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "成功",
    201: "已创建",
    204: "成功，无内容",
    304: "未修改（If-None-Match 命中）",
    400: "请求有误",
    401: "未登录或登录已过期",
    403: "无权访问",
    404: "不存在",
    409: "冲突",
    410: "已过期",
    429: "请求过于频繁",
    503: "服务暂时不可用",
}
M = TypeVar("M", bound=BaseModel)
_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Operation:
    blueprint: str  # each blueprint serves its own document
    method: str
    path: str  # OpenAPI form, relative to the blueprint: /stations/{station_id}
    endpoint: str
    summary: str
    tag: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    media_type: str
    statuses: tuple[int, ...]
    success: int
    auth: bool
    idempotent: bool
    path_params: tuple[tuple[str, str], ...]  # (name, converter)


OPERATIONS: list[Operation] = []


def api_route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    media_type: str = "application/json",
    statuses: tuple[int, ...] = (),
    success: int = 200,
):
    """Register a view on bp and record it for the OpenAPI document."""

    def decorator(view):
        OPERATIONS.append(
            Operation(
                blueprint=bp.name,
                method=method.lower(),
                path=_RULE_PARAM.sub(r"{\2}", rule),
                endpoint=view.__name__,
                summary=summary,
                tag=tag,
                query=query,
                body=body,
                response=response,
                media_type=media_type,
                statuses=statuses,
                success=success,
                auth=getattr(view, "requires_member", False)
                or getattr(view, "requires_staff", False),
                idempotent=getattr(view, "idempotent", False),
                path_params=tuple(
                    (name, conv or "string") for conv, name in _RULE_PARAM.findall(rule)
                ),
            )
        )
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        return view

    return decorator


def parse_query(model: type[M]) -> M:
    """The query string validated by model; a readable 400 invalid_request otherwise."""
    return _validate(model, request.args.to_dict())


def parse_body(model: type[M]) -> M:
    """The JSON body validated by model; a readable 400 invalid_request otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    return _validate(model, data)


def _validate(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ApiError(400, "invalid_request", describe(err)) from None


MESSAGES = {
    "missing": "{field} 为必填参数",
    "float_parsing": "{field} 应为数字",
    "float_type": "{field} 应为数字",
    "finite_number": "{field} 应为有限的数字",
    "int_parsing": "{field} 应为整数",
    "int_type": "{field} 应为整数",
    "int_from_float": "{field} 应为整数",
    "greater_than_equal": "{field} 不能小于 {ge}",
    "less_than_equal": "{field} 不能大于 {le}",
    "string_type": "{field} 应为字符串",
    "string_too_long": "{field} 最多 {max_length} 个字符",
    "string_pattern_mismatch": "{field} 格式不正确",
    "literal_error": "{field} 应为 {expected}",
}


def describe(err: ValidationError) -> str:
    """The first problem of a validation error, in Chinese, naming the field."""
    first = err.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "请求"
    context = first.get("ctx") or {}
    if first["type"] == "string_too_short":
        if context.get("min_length") == 1:
            return f"{field} 不能为空"
        return f"{field} 至少 {context.get('min_length')} 个字符"
    template = MESSAGES.get(first["type"], "{field} 无效")
    return template.format(field=field, **{k: _plain(v) for k, v in context.items()})


def _plain(value):
    """90.0 -> 90, "'a' or 'b'" -> "a 或 b": limits as people write them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.replace("'", "").replace(" or ", " 或 ")
    return value


BEARER = {"bearer": {"type": "http", "scheme": "bearer"}}


def build_document(
    title: str,
    version: str,
    prefix: str,
    blueprint: str = "api",
    security_schemes: dict[str, dict] | None = None,
) -> dict:
    """The OpenAPI 3.1 document of the operations registered on one blueprint."""
    security_schemes = security_schemes or BEARER
    schemas: dict[str, dict] = {}

    def ref(model: type[BaseModel], mode: str = "serialization") -> dict:
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    error_ref = ref(ErrorResponse)
    paths: dict[str, dict] = {}
    for op in (op for op in OPERATIONS if op.blueprint == blueprint):
        item = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _parameters(op),
            "responses": _responses(op, ref, error_ref),
        }
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body, "validation")}},
            }
        if op.auth:
            item["security"] = [{name: [] for name in security_schemes}]
        paths.setdefault(op.path, {})[op.method] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": security_schemes,
        },
    }


def _parameters(op: Operation) -> list[dict]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if conv == "int" else "string"},
        }
        for name, conv in op.path_params
    ]
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "客户端生成的唯一键：重复请求返回第一次的结果，保留 24 小时以上",
                "schema": {"type": "string", "maxLength": 100},
            }
        )
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    return params


def _responses(op: Operation, ref, error_ref: dict) -> dict:
    if op.response is not None:
        content = {op.media_type: {"schema": ref(op.response)}}
    else:
        content = {op.media_type: {}}
    responses = {str(op.success): {"description": STATUS_TEXT[op.success], "content": content}}
    if op.success == 204:
        del responses["204"]["content"]
    statuses = set(op.statuses) | ({400} if op.query or op.body else set())
    if op.auth:
        statuses.add(401)
    for status in sorted(statuses):
        answer = {"description": STATUS_TEXT.get(status, "错误")}
        if status >= 400:
            answer["content"] = {"application/json": {"schema": error_ref}}
        responses[str(status)] = answer
    return responses
