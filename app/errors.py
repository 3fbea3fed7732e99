"""Error answers: JSON {"error": {"code", "message"}} for API clients, a page for people."""

from flask import Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.jsonapi.errors import ApiError, body, status_and_body

MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的请求方法",
    409: "数据已被修改，请刷新后重试",
    413: "上传的文件太大",
    429: "请求过于频繁，请稍后再试",
    500: "服务器出错了，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}
JSON_MESSAGES = {**MESSAGES, 404: "请求的地址或对象不存在"}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/attendant/api/", "/sandbox/"))


def error_response(status: int, code: str, message: str):
    if wants_json():
        return body(code, message), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        status, answer = status_and_body(err)
        return answer, status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return error_response(400, "csrf_failed", "页面已过期，请刷新后重试")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        code = (err.name or "error").lower().replace(" ", "_")
        messages = JSON_MESSAGES if wants_json() else MESSAGES
        response = make_response(
            error_response(status, code, messages.get(status, err.description or ""))
        )
        # The exception's own headers (Allow on a 405, Retry-After, WWW-Authenticate) stay.
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", MESSAGES[500])
