"""WeChat Pay's notifications (payments and refunds), handed to the payments service."""

from flask import request

from app.api import bp
from app.services import payments


@bp.post("/payments/wechat/notify")
def wechat_pay_notify():
    """Not in the OpenAPI document: WeChat Pay calls it, not the mini-program."""
    answer = payments.handle_wechat_notification(request.headers, request.get_data())
    if answer.status == 204:
        return "", 204
    return {"code": "FAIL", "message": answer.message}, answer.status
