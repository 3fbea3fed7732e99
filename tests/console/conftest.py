"""Console test helpers: log in through the real login form, post forms with their CSRF token."""

import contextvars

import pytest

from tests.conftest import csrf_token_from
from tests.factories import PASSWORD


class Console:
    """A test client that behaves like a staff member's browser (CSRF always on).

    Each request runs in an empty context, so it gets its own app context, g and database
    session as on a real server; otherwise the test's app context (and Flask-Login's user
    cached in g) would leak from one request into the next.
    """

    def __init__(self, client):
        self.client = client
        self.token = None

    def _open(self, method, url, htmx=False, headers=None, **kwargs):
        headers = {**({"HX-Request": "true"} if htmx else {}), **(headers or {})}
        call = getattr(self.client, method)
        return contextvars.Context().run(call, url, headers=headers, **kwargs)

    def get(self, url, htmx=False, headers=None, **kwargs):
        response = self._open("get", url, htmx, headers, **kwargs)
        if response.status_code == 200 and response.mimetype == "text/html" and not htmx:
            self.token = csrf_token_from(response.get_data(as_text=True))
        return response

    def post(self, url, data=None, htmx=False, csrf=True, headers=None, **kwargs):
        """POST with the CSRF token of the last page seen (fetching the login page if none)."""
        if csrf and self.token is None:
            self.get("/console/login")
        data = {**({"csrf_token": self.token} if csrf else {}), **(data or {})}
        return self._open("post", url, htmx, headers, data=data, **kwargs)

    def login(self, username, password=PASSWORD, next_url=None):
        url = "/console/login" + (f"?next={next_url}" if next_url else "")
        self.get(url)
        form = {"username": username, "password": password}
        if next_url:
            form["next"] = next_url
        return self.post("/console/login", form)


@pytest.fixture
def console(client):
    return Console(client)


@pytest.fixture
def as_staff(console, world):
    """Log in as one of the world's staff: as_staff("manager_a") -> Console."""

    def login(username):
        response = console.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        console.get("/console/")
        return console

    return login


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def png_bytes() -> bytes:
    """A small real PNG made with Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (22, 104, 220)).save(out, "PNG")
    return out.getvalue()
