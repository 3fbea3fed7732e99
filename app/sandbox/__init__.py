"""Local fakes of WeChat services, mounted only when SANDBOX is on."""

from flask import Blueprint

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
