"""The Idempotency-Key header on driver writes: the first answer is replayed on repeats."""

from functools import wraps

from flask import g, make_response, request

from app.errors import ApiError
from app.services.platform import idempotency
from app.services.platform.errors import Invalid, ServiceError

HEADER = "Idempotency-Key"


def idempotent(view):
    """Require the header; run the view once per (member, endpoint, key); replay after that."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > 100 or not key.isascii() or not key.isprintable():
            raise ApiError(
                400, "idempotency_key_required", "请求头需要 Idempotency-Key（最长 100 个字符）"
            )
        endpoint = f"{request.method} {request.path}"
        digest = idempotency.fingerprint(endpoint, request.get_data())
        claim, replay = idempotency.begin(g.member.id, endpoint, key, digest)
        if replay is not None:
            status, body = replay
            response = make_response(body, status)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            answer = view(*args, **kwargs)
            response = make_response(answer)
        except (ApiError, ServiceError) as err:
            code = "invalid_request" if isinstance(err, Invalid) else err.code
            body = {"error": {"code": code, "message": err.message}}
            if err.status >= 500:  # ours or a partner's trouble: a retry may run it again
                idempotency.abandon(claim)
            else:
                idempotency.finish(claim, err.status, body)
            return body, err.status
        except Exception:
            idempotency.abandon(claim)
            raise
        if response.status_code >= 500 or not response.is_json:
            idempotency.abandon(claim)
        else:
            body = answer[0] if isinstance(answer, tuple) else answer
            if not isinstance(body, dict):  # not the view's own dict: read the JSON back
                body = response.get_json()
            idempotency.finish(claim, response.status_code, body)
        return response

    wrapper.idempotent = True
    wrapper.requires_member = getattr(view, "requires_member", False)
    return wrapper
