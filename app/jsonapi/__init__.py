"""The JSON plumbing both JSON faces share: the driver API (app/api/) and the handheld's API
(app/attendant/).

errors.py   the error answer {"error": {"code", "message"}}, the catalogue of error codes, and the
            one mapper from ApiError / ServiceError to that answer
schemas.py  the base request and answer models, and the error models
parsing.py  a query string or JSON body validated by a model, with a Chinese message naming the
            field and what is wrong
openapi.py  api_route(): registers a view and what the OpenAPI 3.1 document says of it
render.py   the fields an order shows to both faces

The OpenAPI documents are built by our own small generator (openapi.py) rather than by
flask-openapi3 or spectree: docs/api.md, "How the documents are made", says why.
"""

from flask import Blueprint

from app.jsonapi import errors
from app.jsonapi.errors import ApiError
from app.jsonapi.openapi import IdConverter

__all__ = ["ApiError", "init_blueprint"]


def init_blueprint(bp: Blueprint, *, www_authenticate: str | None = None) -> None:
    """Make bp a JSON face: errors in the API's shape, `<id:...>` path parameters. Call it
    before the routes are added."""
    bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))
    errors.register(bp, www_authenticate=www_authenticate)
