"""Driver JSON API for the WeChat mini-program."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
