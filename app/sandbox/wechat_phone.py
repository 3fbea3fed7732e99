"""A fake WeChat access token (stable_token) and phone-number exchange, and the mini-program's
getPhoneNumber button.

- `POST /cgi-bin/stable_token` checks appid and secret as jscode2session does and issues a
  random token valid 7200 s. Normal mode answers the same token (with the seconds it has left)
  until 5 minutes before it expires, then a new one; the old one stays valid until its own
  expiry. `force_refresh: true` issues a new token and kills the previous one at once (40001).
  Not modelled: WeChat's 20 forced refreshes a day, 30 s apart.
- `POST /wxa/business/getuserphonenumber?access_token=..` with `{"code"}`: 41001 without a token,
  40001 for an unknown or killed token, 42001 for an expired one; 40029 for a code that is
  unknown, used or older than 5 minutes; 40013 for a code of another appid.
- `POST /sandbox/wechat/phone-code` with `{"phone", "countryCode"?}` stands in for the button:
  a fresh single-use code for that number.

Special phone numbers when asking for a code:
- "19900000001": getuserphonenumber answers -1 (system busy) every time for that code;
- "19900000002": -1 on the first exchange, then the number (a retry works).
A busy answer does not use the code up.
"""

import re
import secrets
import time

from flask import current_app, request

from app.sandbox import bp
from app.sandbox.wechat import registered, store, wx_error

TOKEN_TTL_S = 7200
RENEW_BEFORE_S = 300  # "普通模式下平台会提前5分钟更新access_token"
KEEP_S = 86_400  # an expired token stays known a day, so it answers 42001 and not 40001
PHONE_CODE_TTL_S = 300  # a phone code lives five minutes
BUSY_PHONE, BUSY_ONCE_PHONE = "19900000001", "19900000002"
CHINA_PHONE_RE = re.compile(r"^1\d{10}$")
OTHER_PHONE_RE = re.compile(r"^\d{4,14}$")
COUNTRY_RE = re.compile(r"^[1-9]\d{0,3}$")


def over_limit(kind: str, appid: str) -> bool:
    limit = current_app.config.get("SANDBOX_WECHAT_CALLS_PER_MINUTE", 100_000)
    return store().count(f"{kind}-calls:{appid}", 60) > limit


@bp.post("/wechat/phone-code")
def phone_code():
    """Stand-in for the getPhoneNumber button: a fresh code for the given number."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    country = body.get("countryCode", "86")
    if not isinstance(country, str) or not COUNTRY_RE.match(country):
        return bad_request("countryCode 应为 1 到 4 位数字，不以 0 开头")
    phone = body.get("phone")
    if country == "86" and not (isinstance(phone, str) and CHINA_PHONE_RE.match(phone)):
        return bad_request("phone 应为以 1 开头的 11 位数字")
    if not isinstance(phone, str) or not OTHER_PHONE_RE.match(phone):
        return bad_request("phone 应为 4 到 14 位数字")
    code = secrets.token_hex(32)
    now = time.time()
    record = {
        "appid": registered("WECHAT_APPID"),
        "phone": phone,
        "country_code": country,
        "issued_at": int(now),
        "expires_at": now + PHONE_CODE_TTL_S,
    }
    store().put("phone-code:" + code, record, PHONE_CODE_TTL_S)
    return {"code": code, "expires_in": PHONE_CODE_TTL_S}


def bad_request(message: str):
    return {"error": {"code": "invalid_request", "message": message}}, 400


@bp.post("/wechat/cgi-bin/stable_token")
def stable_token():
    """POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh?}"""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return wx_error(47001, "data format error")
    appid, secret = body.get("appid"), body.get("secret")
    if not isinstance(appid, str) or not appid:
        return wx_error(41002, "appid missing")
    if over_limit("token", appid):
        return wx_error(45011, "api minute-quota reach limit  mustslower  retry next minute")
    if not isinstance(secret, str) or not secret:
        return wx_error(41004, "appsecret missing")
    if body.get("grant_type") != "client_credential":
        return wx_error(40002, "invalid grant_type")
    if appid != registered("WECHAT_APPID"):
        return wx_error(40013, "invalid appid")
    if not secrets.compare_digest(secret.encode(), registered("WECHAT_SECRET").encode()):
        return wx_error(40125, "invalid appsecret")
    now = time.time()
    current = store().get("stable:" + appid)
    if current is not None and body.get("force_refresh") is True:
        store().take("token:" + current["token"])  # the previous token dies at once
    elif current is not None and current["expires_at"] - now > RENEW_BEFORE_S:
        return {"access_token": current["token"], "expires_in": int(current["expires_at"] - now)}
    token = f"{secrets.randbelow(90) + 10}_" + secrets.token_urlsafe(96)
    record = {"appid": appid, "token": token, "expires_at": now + TOKEN_TTL_S}
    store().put("token:" + token, record, TOKEN_TTL_S + KEEP_S)
    store().put("stable:" + appid, record, TOKEN_TTL_S + KEEP_S)
    return {"access_token": token, "expires_in": TOKEN_TTL_S}


@bp.post("/wechat/wxa/business/getuserphonenumber")
def getuserphonenumber():
    """POST /wxa/business/getuserphonenumber?access_token=.. {code}"""
    token = request.args.get("access_token", "")
    if not token:
        return wx_error(41001, "access_token missing")
    issued = store().get("token:" + token)
    if issued is None:
        return wx_error(40001, "invalid credential, access_token is invalid or not latest")
    if issued["expires_at"] <= time.time():
        return wx_error(42001, "access_token expired")
    appid = issued["appid"]
    if over_limit("phone", appid):
        return wx_error(45011, "api minute-quota reach limit  mustslower  retry next minute")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return wx_error(47001, "data format error")
    code = body.get("code")
    if not isinstance(code, str) or not code:
        return wx_error(41008, "missing code")
    record = store().take("phone-code:" + code)
    if record is None or record["expires_at"] <= time.time():
        return wx_error(40029, "invalid code")
    if record["appid"] != appid:
        put_back(code, record)  # a refused call does not use the code up
        return wx_error(40013, "invalid appid")
    phone = record["phone"]
    if phone == BUSY_PHONE or (phone == BUSY_ONCE_PHONE and not record.get("busy")):
        record["busy"] = True
        put_back(code, record)
        return wx_error(-1, "system error")
    country = record["country_code"]
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": phone if country == "86" else f"+{country}{phone}",
            "purePhoneNumber": phone,
            "countryCode": country,
            "watermark": {"timestamp": record["issued_at"], "appid": appid},
        },
    }


def put_back(code: str, record: dict) -> None:
    """The code again, with no more life than it had."""
    ttl_s = max(1, int(record["expires_at"] - time.time()))
    store().put("phone-code:" + code, record, ttl_s)
