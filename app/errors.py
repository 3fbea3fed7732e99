"""Error answers: JSON {"error": {"code", "message"}} for API clients, a page for people."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


class ApiError(Exception):
    """An error the driver API answers with its own code, message and status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/attendant/api/", "/sandbox/"))


def error_response(status: int, code: str, message: str):
    if wants_json():
        return {"error": {"code": code, "message": message}}, status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        return {"error": {"code": err.code, "message": err.message}}, err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return error_response(400, "csrf_failed", "页面已过期，请刷新后重试")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(status, code, MESSAGES.get(status, err.description or ""))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", MESSAGES[500])
