"""The Idempotency-Key header on driver writes: the first answer is replayed on repeats."""

from functools import wraps

from flask import g, make_response, request

from app.jsonapi.errors import ApiError, status_and_body
from app.jsonapi.openapi import IDEMPOTENCY_KEY, declare
from app.services.platform import idempotency
from app.services.platform.errors import ServiceError
from app.services.platform.unit_of_work import retrying, unit_of_work

HEADER = "Idempotency-Key"


def idempotent(view):
    """Require the header; run the view once per (member, endpoint, key); replay after that.

    The key's claim, the view's work and the answer commit in one transaction (the view's use
    case joins it), so a retry always gets the first answer; a refusal is stored as the answer
    after its work was rolled back. Run again on a deadlock (retrying)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise ApiError(
                400,
                "idempotency_key_required",
                "请求头需要 Idempotency-Key（1 到 100 个英文字母、数字或符号，不含空格，如 UUID）",
            )
        endpoint = f"{request.method} {request.path}"
        digest = idempotency.fingerprint(endpoint, request.get_data())
        return retrying(lambda: _run_once(view, args, kwargs, (g.member.id, endpoint, key, digest)))

    wrapper.idempotent = True
    return declare(
        wrapper,
        view,
        codes=("idempotency_key_required", "idempotency_key_reused", "request_in_progress", "busy"),
    )


def _run_once(view, args, kwargs, key: tuple):
    with unit_of_work() as unit:
        claim, replay = idempotency.begin(*key)
        g.idempotency_claim = claim
        if replay is not None:
            status, body = replay
            response = make_response(body, status)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            answer = view(*args, **kwargs)
            response = make_response(answer)
        except (ApiError, ServiceError) as err:
            status, body = status_and_body(err)
            unit.rollback()  # the work is undone; the refusal is the answer
            # Trouble (5xx) or a limit for now (429), ours or a partner's: a retry may run it.
            if status >= 500 or status == 429:
                idempotency.abandon(claim)
            else:
                idempotency.finish(claim, status, body)
            return body, status
        if response.status_code >= 500 or not response.is_json:
            unit.rollback()
            idempotency.abandon(claim)
            return response
        body = answer[0] if isinstance(answer, tuple) else answer
        if not isinstance(body, dict):  # not the view's own dict: read the JSON back
            body = response.get_json()
        idempotency.finish(claim, response.status_code, body)
        return response


def answer_if_cut_short(status: int, body: dict) -> None:
    """For a view whose use case commits in steps: store, with the work of the coming step, the
    answer a retry gets if this request dies before it ends (its own answer replaces it)."""
    idempotency.finish(g.idempotency_claim, status, body)
