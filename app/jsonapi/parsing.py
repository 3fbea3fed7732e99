"""A query string or JSON body validated by a model; a 400 invalid_request that names the field
in Chinese and says what is wrong otherwise."""

from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from app.jsonapi.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def parse_query(model: type[M]) -> M:
    return validate(model, request.args.to_dict())


def parse_body(model: type[M]) -> M:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "请求体应为 JSON 对象")
    return validate(model, data)


def validate(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ApiError(400, "invalid_request", describe(model, err)) from None


MESSAGES = {
    "missing": "请填写{field}",
    "float_parsing": "{field}应为数字",
    "float_type": "{field}应为数字",
    "finite_number": "{field}应为有限的数字",
    "int_parsing": "{field}应为整数",
    "int_type": "{field}应为整数",
    "int_from_float": "{field}应为整数",
    "greater_than_equal": "{field}不能小于 {ge}",
    "less_than_equal": "{field}不能大于 {le}",
    "multiple_of": "{field}应为 {multiple_of} 的整数倍",
    "string_type": "{field}应为文字",
    "string_too_short": "{field}至少 {min_length} 个字符",
    "string_too_long": "{field}最多 {max_length} 个字符",
    "string_pattern_mismatch": "{field}格式不对",
    "literal_error": "{field}应为 {expected}",
    "enum": "{field}应为 {expected}",
}


def describe(model: type[BaseModel], err: ValidationError) -> str:
    """The first problem of a validation error, in Chinese, naming the field as people do."""
    first = err.errors(include_url=False)[0]
    context = first.get("ctx") or {}
    name = str(first["loc"][0]) if first["loc"] else ""
    info = model.model_fields.get(name)
    if first["type"] == "value_error":  # a model's own rule: its message says it all
        return str(context.get("error", first["msg"]))
    own = getattr(model, "messages", {}).get(name)
    if isinstance(own, dict):
        own = own.get(first["type"], own.get("*"))
    if own:
        return own
    field = info.title if info is not None and info.title else "请求内容"
    if first["type"] == "string_too_short" and context.get("min_length") == 1:
        return f"请填写{field}"
    template = MESSAGES.get(first["type"], "{field}不正确")
    return template.format(field=field, **{k: _plain(v) for k, v in context.items()})


def _plain(value):
    """90.0 -> 90, "'a' or 'b'" -> "a 或 b": limits as people write them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.replace("'", "").replace(" or ", " 或 ")
    return value
