"""The attendant's handheld PWA: static files under pwa/ served at /pwa/."""

import os

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("pwa", __name__, url_prefix="/pwa")

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _root() -> str:
    """pwa/ next to app/; PWA_ROOT points elsewhere (tests serve a changed copy from there)."""
    return current_app.config.get("PWA_ROOT") or os.path.join(
        os.path.dirname(current_app.root_path), "pwa"
    )


def _send(filename: str, **kwargs):
    response = send_from_directory(_root(), filename, **kwargs)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def index():
    response = _send("index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _send("manifest.webmanifest", mimetype="application/manifest+json", max_age=0)


@bp.get("/sw.js")
def service_worker():
    response = _send("sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/pwa/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<path:filename>")
def asset(filename: str):
    if filename.startswith(".") or filename in ("sw.js",):
        abort(404)
    response = _send(filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
