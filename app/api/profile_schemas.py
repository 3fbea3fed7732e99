"""Request and response schemas of phone binding and the privacy notice."""

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from app.jsonapi.schemas import Request, Schema
from app.services.members.consent import DEFAULT_CONTACT, SECTIONS, TITLE
from app.services.members.phone import MAX_CODE_LENGTH

ISO = "北京时间，ISO 8601"


class BindPhoneRequest(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"}
            ]
        }
    )
    messages: ClassVar[dict] = {
        "code": f"code 应为手机号快速验证组件给出的 1 到 {MAX_CODE_LENGTH} 个字符的凭证"
    }

    code: str = Field(
        min_length=1,
        max_length=MAX_CODE_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        title="手机号授权凭证 code",
        description='<button open-type="getPhoneNumber"> 回调 bindgetphonenumber 中的 code'
        "（不是 wx.login 的 js_code）：5 分钟内有效，只能用一次",
    )


class PhoneBinding(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "phone": "138****5678",
                    "country_code": "86",
                    "bound_at": "2026-03-08T18:05:42+08:00",
                },
                {"phone": "", "country_code": None, "bound_at": None},
            ]
        }
    )

    phone: str = Field(description="绑定的手机号，只显示前 3 位和后 4 位；未绑定时为空字符串")
    country_code: Literal["86"] | None = Field(description="国家码，目前只有 86；未绑定时为 null")
    bound_at: str | None = Field(description=f"绑定时间（{ISO}）；未绑定时为 null")


class NoticeSection(Schema):
    heading: str
    body: str = Field(description="正文，段落之间用换行符分隔")


NOTICE_EXAMPLE = {
    "version": "1",
    "title": TITLE,
    "operator": "云岭能源",
    "contact": DEFAULT_CONTACT,
    "sections": [{"heading": heading, "body": body} for heading, body in SECTIONS[:2]],
}


class PrivacyNotice(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [NOTICE_EXAMPLE]})

    version: str = Field(description="版本号：同意时原样提交；版本变了须重新同意")
    title: str
    operator: str = Field(description="个人信息处理者：经营本小程序的连锁")
    contact: str = Field(description="查阅、更正、删除个人信息或注销会员的联系方式")
    sections: list[NoticeSection]


class ConsentRequest(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": "1"}]})
    messages: ClassVar[dict] = {"version": "version 应为隐私说明的版本号（1 到 20 个字符）"}

    version: str = Field(
        min_length=1,
        max_length=20,
        title="隐私说明版本",
        description="司机阅读并同意的隐私说明版本，即 GET /privacy-notice 答的 version",
    )


class ConsentAnswer(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": "1", "consented_at": "2026-03-08T18:04:10+08:00"}]
        }
    )

    version: str = Field(description="已同意的隐私说明版本")
    consented_at: str = Field(description=f"同意时间（{ISO}）；再次同意同一版本不变")
