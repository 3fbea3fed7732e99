"""Base models of the JSON faces. A field's `title` is its name as a driver or an attendant says
it (加油金额, 车牌号): error messages use it, and the documents show it."""

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

FEN = "分（1 元 = 100 分）"
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


# An integer in a JSON body as JSON Schema has it: 5 or 5.0 (see Request), never "5" or true.
JsonInt = Annotated[int, Strict()]


class Schema(BaseModel):
    """An answer: every field is listed, so the document says exactly what is sent."""

    model_config = ConfigDict(extra="forbid")


class Request(BaseModel):
    """A request: fields the schema does not know are ignored.

    messages: a field's own message for any error on it, or per error type ({"multiple_of": ...,
    "*": the others}), where the generic one would say less (a choice among modes says what to
    choose)."""

    model_config = ConfigDict(extra="ignore")
    messages: ClassVar[dict[str, str | dict[str, str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def whole_numbers_are_integers(cls, data):
        """5.0 is the integer 5 in JSON Schema: let a JsonInt field take it."""
        if isinstance(data, dict):
            return {
                k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in data.items()
            }
        return data


class ErrorBody(Schema):
    code: str = Field(description="英文错误码，见每个接口列出的取值")
    message: str = Field(description="给用户看的中文说明，指出哪个字段、哪里不对")


class ErrorResponse(Schema):
    error: ErrorBody
