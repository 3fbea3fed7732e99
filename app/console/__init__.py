"""Staff console (server-rendered, HTMX)."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.get("/")
def home():
    return "console"
