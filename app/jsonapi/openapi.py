"""api_route(): registers a view on a blueprint and records what its OpenAPI 3.1 document says of
it; build_document() writes that document from the pydantic models.

What each operation documents comes from the code that enforces it: the request and answer
shapes, rules and examples are the models; the error codes are those named at the route plus
those its decorators declare (require_member, idempotent and staff_required set `error_codes`
and `security` on the view they wrap)."""

import re
from dataclasses import dataclass

from flask import Blueprint
from pydantic import BaseModel
from werkzeug.routing import IntegerConverter

from app.jsonapi.errors import CODES
from app.jsonapi.schemas import MAX_ID, ErrorResponse

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
    423: "已锁屏",
    429: "请求过于频繁",
    503: "服务暂时不可用",
}
_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,100}")  # 1-100 visible ASCII characters, e.g. a UUID


def _whole_numbers_up_to(limit: int) -> str:
    """A regex of the numbers 1..limit written without leading zeros."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(f"{digits[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join([*parts, digits]) + ")"


class IdConverter(IntegerConverter):
    """`<id:order_id>`: a database id, 1 to 2^31-1; anything else is a 404, not a database error.
    The range is in the regex, so an id out of it does not match the path at all: checked only
    after the match, werkzeug would answer 405 for a path that has a rule per method."""

    regex = _whole_numbers_up_to(MAX_ID)

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def declare(wrapper, view, *, codes: tuple[str, ...] = (), security: tuple[str, ...] = ()):
    """For decorators: what the wrapped view adds to the document (error codes, security)."""
    wrapper.error_codes = (*getattr(view, "error_codes", ()), *codes)
    wrapper.security = (*getattr(view, "security", ()), *security)
    return wrapper


@dataclass(frozen=True)
class Operation:
    blueprint: str  # each blueprint serves its own document
    method: str
    path: str  # OpenAPI form, relative to the blueprint: /stations/{station_id}
    endpoint: str
    summary: str
    description: str
    tag: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    media_type: str
    codes: tuple[str, ...]
    success: int
    also: tuple[int, ...]  # other answers without a body, such as 304
    security: tuple[str, ...]
    idempotent: bool
    path_params: tuple[tuple[str, str], ...]  # (name, converter)
    links: dict


OPERATIONS: list[Operation] = []
# blueprint name -> (error codes, security) that its before_request adds to every POST
_WRITE_GUARDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]] = {}


def guard_writes(bp: Blueprint, *, codes: tuple[str, ...], security: tuple[str, ...], exempt=()):
    """Document a check bp makes on every POST but those of the `exempt` views (call it before
    the routes are added)."""
    _WRITE_GUARDS[bp.name] = (codes, security, frozenset(exempt))


def api_route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    description: str,
    tag: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    media_type: str = "application/json",
    errors: tuple[str, ...] = (),
    success: int = 200,
    also: tuple[int, ...] = (),
    links: dict[str, tuple[str, dict[str, str]]] | None = None,
):
    """Register a view on bp and record it for the OpenAPI document. errors: the codes the view
    and its service answer with (see errors.CODES); also: other answers without a body (304);
    links: name -> (operationId, parameters) that the success answer leads to."""

    def decorator(view):
        path_params = tuple((name, conv or "string") for conv, name in _RULE_PARAM.findall(rule))
        codes = [*errors, *getattr(view, "error_codes", ())]
        security = [*getattr(view, "security", ())]
        guard = _WRITE_GUARDS.get(bp.name)
        if guard and method == "POST" and view.__name__ not in guard[2]:
            codes += guard[0]
            security += guard[1]
        if query or body:
            codes.append("invalid_request")
        if any(conv == "id" for _, conv in path_params):
            codes.append("not_found")
        OPERATIONS.append(
            Operation(
                blueprint=bp.name,
                method=method.lower(),
                path=_RULE_PARAM.sub(r"{\2}", rule),
                endpoint=view.__name__,
                summary=summary,
                description=description,
                tag=tag,
                query=query,
                body=body,
                response=response,
                media_type=media_type,
                codes=tuple(dict.fromkeys(codes)),
                success=success,
                also=also,
                security=tuple(dict.fromkeys(security)),
                idempotent=getattr(view, "idempotent", False),
                path_params=path_params,
                links=links or {},
            )
        )
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        return view

    return decorator


def build_document(
    title: str,
    version: str,
    prefix: str,
    blueprint: str,
    security_schemes: dict[str, dict],
    description: str = "",
) -> dict:
    """The OpenAPI 3.1 document of the operations registered on one blueprint."""
    schemas: dict[str, dict] = {}

    def ref(model: type[BaseModel], mode: str = "serialization") -> tuple[dict, list]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}, schema.get("examples", [])

    ref(ErrorResponse)
    paths: dict[str, dict] = {}
    for op in (op for op in OPERATIONS if op.blueprint == blueprint):
        item = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "description": op.description,
            "tags": [op.tag],
            "parameters": _parameters(op),
            "responses": _responses(op, ref),
        }
        if op.body is not None:
            schema, examples = ref(op.body, "validation")
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema, **_examples(examples)}},
            }
        if op.security:
            item["security"] = [{name: [] for name in op.security}]
        paths.setdefault(op.path, {})[op.method] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": security_schemes,
        },
    }


def _examples(examples: list) -> dict:
    if len(examples) == 1:
        return {"example": examples[0]}
    if examples:
        return {"examples": {f"example{n}": {"value": e} for n, e in enumerate(examples, 1)}}
    return {}


def _path_schema(converter: str) -> dict:
    if converter == "id":
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "example": 1}
    if converter == "int":
        return {"type": "integer", "minimum": 0, "example": 1}
    return {"type": "string"}


def _parameters(op: Operation) -> list[dict]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(conv)}
        for name, conv in op.path_params
    ]
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "客户端为每个新请求生成的唯一键（1–100 个可见 ASCII 字符，不含空格，"
                "如 UUID）：同一个键的重复请求返回第一次的结果（状态码和内容），保留 24 小时以上；"
                "同一个键用于不同的请求内容答 409 idempotency_key_reused",
                "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
                "example": "5f0c6a1e-8d52-4c1b-9a8e-2f1d3c4b5a69",
            }
        )
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            if prop.get("examples"):
                param["example"] = prop["examples"][0]
            params.append(param)
    return params


def _responses(op: Operation, ref) -> dict:
    answer: dict = {"description": STATUS_TEXT[op.success]}
    if op.success not in (204, 304):
        if op.response is not None:
            schema, examples = ref(op.response)
            answer["content"] = {op.media_type: {"schema": schema, **_examples(examples)}}
        else:
            answer["content"] = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    if op.idempotent:
        answer["headers"] = {
            "Idempotent-Replayed": {
                "description": "true：这是同一个 Idempotency-Key 第一次请求的结果，重放而来",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    if op.links:
        answer["links"] = {
            name: {"operationId": target, "parameters": params}
            for name, (target, params) in op.links.items()
        }
    responses = {str(op.success): answer}
    for status in op.also:
        responses[str(status)] = {"description": STATUS_TEXT[status]}
    by_status: dict[int, list[str]] = {}
    for code in op.codes:
        by_status.setdefault(CODES[code][0], []).append(code)
    for status in sorted(by_status):
        responses[str(status)] = _error_response(status, by_status[status], op)
    return responses


def _error_response(status: int, codes: list[str], op: Operation) -> dict:
    lines = "\n".join(f"- `{code}`：{CODES[code][1]}" for code in codes)
    schema = {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": codes},
                    "message": {"type": "string", "description": "给用户看的中文说明"},
                },
            }
        },
    }
    example = {"error": {"code": codes[0], "message": CODES[codes[0]][1]}}
    answer = {
        "description": f"{STATUS_TEXT.get(status, '错误')}，error.code 为：\n{lines}",
        "content": {"application/json": {"schema": schema, "example": example}},
    }
    if status == 401 and "bearer" in op.security:
        answer["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }
    return answer
