"""Helpers for driver API tests: sandbox login codes and logged-in members."""

import pytest


class Driver:
    """Plays the mini-program: gets a js_code from the sandbox, logs in, calls the API."""

    def __init__(self, client):
        self.client = client

    def js_code(self, openid: str = "o-driver-1", **extra) -> str:
        answer = self.client.post("/sandbox/wechat/login-code", json={"openid": openid, **extra})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["js_code"]

    def login(self, js_code: str):
        return self.client.post("/api/v1/auth/wechat", json={"js_code": js_code})

    def token(self, openid: str = "o-driver-1") -> str:
        answer = self.login(self.js_code(openid))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["token"]

    def me(self, token: str):
        return self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def driver(live_server, client):
    return Driver(client)


def assert_error(answer, status: int, code: str) -> str:
    """The answer is the API's error shape with this status and code; returns the message."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]
