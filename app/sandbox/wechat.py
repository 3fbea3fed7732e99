"""A fake WeChat code2Session that behaves as the real one, and the mini-program's wx.login.

Special openids when asking for a code:
- "sandbox-busy": code2Session answers -1 (system busy) every time for that code;
- "sandbox-busy-once": -1 on the first exchange, then success (a retry works);
- "sandbox-blocked": 40226 (high-risk user blocked).
"""

import base64
import re
import secrets
import time

from flask import current_app, request

from app.sandbox import bp
from app.sandbox.store import MemoryStore, RedisStore, Store

CODE_TTL_S = 300  # WeChat's js_code lives five minutes
OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BLOCKED_OPENID = "sandbox-blocked"


def store() -> Store:
    """One store per app: Redis when REDIS_URL is set, else this process's memory."""
    existing = current_app.extensions.get("sandbox_store")
    if existing is None:
        url = current_app.config.get("REDIS_URL")
        existing = RedisStore(url, "jiayou:sandbox:wechat:") if url else MemoryStore()
        current_app.extensions["sandbox_store"] = existing
    return existing


def registered(name: str) -> str:
    """The appid or secret the fake WeChat has on file: SANDBOX_<name>, else the app's own."""
    return current_app.config.get("SANDBOX_" + name) or current_app.config[name]


def wx_error(errcode: int, errmsg: str):
    # WeChat answers errors with HTTP 200 and a JSON body.
    return {"errcode": errcode, "errmsg": errmsg}, 200


@bp.post("/wechat/login-code")
def login_code():
    """Stand-in for wx.login() in the mini-program: a fresh js_code for the given openid."""
    body = request.get_json(silent=True)
    openid = body.get("openid") if isinstance(body, dict) else None
    if not isinstance(openid, str) or not OPENID_RE.match(openid):
        message = "openid 应为 1 到 64 位字母、数字、下划线或连字符"
        return {"error": {"code": "invalid_request", "message": message}}, 400
    unionid = body.get("unionid")
    if unionid is not None and (not isinstance(unionid, str) or not OPENID_RE.match(unionid)):
        message = "unionid 应为 1 到 64 位字母、数字、下划线或连字符"
        return {"error": {"code": "invalid_request", "message": message}}, 400
    js_code = secrets.token_hex(16)
    record = {
        "appid": registered("WECHAT_APPID"),
        "openid": openid,
        "unionid": unionid,
        "expires_at": time.time() + CODE_TTL_S,
    }
    store().put("code:" + js_code, record, CODE_TTL_S)
    return {"js_code": js_code, "expires_in": CODE_TTL_S}


@bp.get("/wechat/sns/jscode2session")
def jscode2session():
    """GET /sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code"""
    args = request.args
    appid = args.get("appid", "")
    limit = current_app.config.get("SANDBOX_WECHAT_CALLS_PER_MINUTE", 100_000)
    if store().count("calls:" + appid, 60) > limit:
        return wx_error(45011, "api minute-quota reach limit  mustslower  retry next minute")
    if not appid or appid != registered("WECHAT_APPID"):
        return wx_error(40013, "invalid appid")
    given_secret = args.get("secret", "").encode()
    if not secrets.compare_digest(given_secret, registered("WECHAT_SECRET").encode()):
        return wx_error(40125, "invalid appsecret")
    if args.get("grant_type") != "authorization_code":
        return wx_error(40002, "invalid grant_type")
    js_code = args.get("js_code", "")
    if not js_code:
        return wx_error(41008, "missing code")
    record = store().take("code:" + js_code)
    if record is None or record["appid"] != appid:
        return wx_error(40029, "invalid code")
    openid = record["openid"]
    if openid == "sandbox-busy" or (openid == "sandbox-busy-once" and not record.get("busy")):
        record["busy"] = True
        # A busy answer does not use the code up, nor extend its life.
        ttl_s = max(1, int(record["expires_at"] - time.time()))
        store().put("code:" + js_code, record, ttl_s)
        return wx_error(-1, "system error")
    if openid == BLOCKED_OPENID:
        return wx_error(40226, "user is blocked as high risk")
    answer = {"openid": openid, "session_key": new_session_key()}
    if record.get("unionid"):
        answer["unionid"] = record["unionid"]
    return answer


def new_session_key() -> str:
    return base64.b64encode(secrets.token_bytes(16)).decode()
