"""The error answer of both JSON APIs, {"error": {"code": "...", "message": "..."}}, the codes
they answer with, and the one place that turns a raised error into that answer."""

from flask import Blueprint

from app.services.platform.errors import Invalid, ServiceError


class ApiError(Exception):
    """An error a view answers with its own status, code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# Every code an operation may answer with: its status and what it means, for the documents.
CODES: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "请求不符合本文档：缺少字段、类型或格式不对（message 指出哪个字段）"),
    "idempotency_key_required": (400, "缺少 Idempotency-Key 请求头，或其格式不对"),
    "csrf_failed": (400, "缺少或错误的 X-CSRFToken 请求头"),
    "unauthorized": (401, "未登录或登录已过期"),
    "invalid_code": (401, "微信登录凭证无效或已被使用，请重新调用 wx.login()"),
    "invalid_credentials": (401, "用户名或密码错误（或账号已停用）"),
    "pin_lockout": (401, "PIN 连续输错 5 次，会话已结束，须用密码重新登录"),
    "forbidden": (403, "无权访问该油站或对象"),
    "user_blocked": (403, "该微信账号存在安全风险，暂时无法登录"),
    "other_station": (403, "订单属于别的油站"),
    "role_not_allowed": (403, "该角色不能使用加油终端（总部管理员）"),
    "password_change_required": (403, "须先在管理后台修改初始密码"),
    "no_station": (403, "员工还没有分配油站"),
    "wrong_pin": (403, "PIN 错误（message 说明还可以再试几次）"),
    "card_invalid": (404, "卡号或卡密不正确（卡号不存在与卡密错误答同一个；计入输错次数）"),
    "not_found": (404, "对象不存在（或不属于当前用户）"),
    "no_pickup_code": (404, "订单没有可用的取油码（未支付、已加油或已取消）"),
    "pickup_code_not_found": (404, "本站没有这个 8 位取油码的待加油订单（计入连续输错次数）"),
    "card_not_active": (409, "充值卡尚未售出激活，请联系售卡油站"),
    "card_redeemed": (409, "充值卡已兑换，不能重复兑换"),
    "card_void": (409, "充值卡已作废"),
    "conflict": (409, "订单状态已变化，不能这样操作（message 说明原因）"),
    "rejected": (
        409,
        "请求格式正确，但与油站或订单的当前数据不符：如本站没有该油品或油枪、油枪暂停使用、"
        "超过单笔上限、读数超过已付金额（message 说明原因）",
    ),
    "station_closed": (409, "油站当前不在营业时间"),
    "insufficient_balance": (409, "钱包余额不足"),
    "invalid_phone_code": (409, "手机号授权凭证 code 无效、已使用或已超过 5 分钟，须重新授权"),
    "phone_taken": (409, "该手机号已绑定本连锁的其他会员"),
    "phone_not_supported": (409, "不是中国大陆手机号（+86），暂不支持绑定"),
    "consent_required": (409, "须先同意当前版本的隐私说明（POST /me/consent）"),
    "notice_outdated": (409, "隐私说明已有新版本，须重新获取并同意"),
    "wallet_frozen": (409, "钱包已被油站冻结，暂时不能用钱包支付（message 说明原因，请联系油站）"),
    "refund_request_open": (
        409,
        "已有待处理的退款申请：充值的可先撤回再重新申请，订单的等油站处理后可再申请",
    ),
    "topup_too_old": (409, "该充值到账已超过 360 天，微信支付不再受理原路退款"),
    "coupon_sold_out": (409, "优惠券已领完"),
    "coupon_limit_reached": (409, "已达该优惠券的每人限领张数"),
    "coupon_not_started": (409, "优惠券还未开始领取（message 说明开始时间）"),
    "coupon_ended": (409, "优惠券已结束领取或已停止发放"),
    "coupon_not_claimable": (409, "该优惠券只能由油站发放，不能领取"),
    "points_insufficient": (409, "积分不足（message 说明需要多少、现有多少）"),
    "points_item_sold_out": (409, "兑换商品已兑完"),
    "points_item_limit_reached": (409, "已达该商品的每人限兑次数"),
    "points_item_unavailable": (
        409,
        "兑换商品已下架、未开始或已结束兑换，或其加油券已发完、停发（message 说明原因）",
    ),
    "coupon_unusable": (
        409,
        "所选优惠券不能用于本单（message 说明原因：不存在、已使用、正用于另一笔订单、已过期、"
        "不适用该油站或油品、未到使用门槛）",
    ),
    "price_changed": (409, "应付金额与车主确认的不同（油价或优惠刚变化），未下单，请确认新金额"),
    "vehicle_limit": (409, "车辆已达上限（5 辆），须先删除一辆"),
    "plate_taken": (409, "该车牌已在当前会员的车辆中"),
    "idempotency_key_reused": (409, "同一个 Idempotency-Key 已用于不同的请求"),
    "request_in_progress": (409, "相同的请求正在处理，请稍后重试"),
    "token_used": (409, "取油码已使用，订单已加油"),
    "confirmation_id_reused": (409, "该确认编号已用于另一笔加油确认"),
    "no_pin": (409, "未设置 PIN，须用密码登录"),
    "card_expired": (410, "充值卡已过期"),
    "token_expired": (410, "取油码已过期"),
    "locked": (423, "已锁屏，须先用 PIN 解锁"),
    "card_locked": (
        429,
        "卡密输错次数过多：会员暂停兑换 30 分钟，或该卡锁定 1 小时（message 说明是哪一种）",
    ),
    "too_many_requests": (429, "请求过于频繁，请稍后再试"),
    "pickup_code_locked": (429, "取油码连续输错 5 次，手动输入暂停 10 分钟（扫码不受影响）"),
    "wechat_rate_limited": (429, "微信接口限流（登录或获取手机号的人数过多），请稍后再试"),
    "wechat_unavailable": (503, "微信接口暂时不可用（登录或获取手机号）"),
    "payment_unavailable": (503, "微信支付暂时不可用，可稍后再试或使用钱包"),
    "chain_not_configured": (503, "服务尚未配置"),
    "busy": (503, "系统繁忙（并发冲突，请求已撤销），请用同一 Idempotency-Key 重试"),
}


def body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def status_and_body(err: ApiError | ServiceError) -> tuple[int, dict]:
    """What a JSON face answers for an error raised by a view or a service.

    A service's Invalid reaches these faces only for rules the documents cannot state (the
    station has no such nozzle, the reading exceeds what was paid): the request itself was
    valid, so it is a 409 "rejected", not a 400."""
    if isinstance(err, Invalid):
        return 409, body("rejected", err.message)
    return err.status, body(err.code, err.message)


def register(bp: Blueprint, *, www_authenticate: str | None = None) -> None:
    """Answer ApiError and ServiceError raised in bp's views in the API's shape."""

    def handle(err: ApiError | ServiceError):
        status, answer = status_and_body(err)
        headers = (
            {"WWW-Authenticate": www_authenticate} if status == 401 and www_authenticate else {}
        )
        return answer, status, headers

    bp.register_error_handler(ApiError, handle)
    bp.register_error_handler(ServiceError, handle)
