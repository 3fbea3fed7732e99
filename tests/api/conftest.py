"""Helpers for driver API tests: sandbox login codes, logged-in members, their API calls."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Member
from tests.api.wechat_notifications import Notifier
from tests.money.helpers import credit_wallet


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
def notifier(app):
    """Builds and signs WeChat Pay notifications as WeChat Pay (the sandbox) would."""
    return Notifier(app.config)


@pytest.fixture
def driver(live_server, client):
    return Driver(client)


class Api:
    """The mini-program's calls with the driver's token, each write with a new Idempotency-Key
    unless given one (key=False: none)."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def post(self, path, body=None, key=None):
        headers = dict(self.headers)
        if key is not False:
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        return self.client.post("/api/v1" + path, json=body, headers=headers)

    def get(self, path, **params):
        return self.client.get("/api/v1" + path, headers=self.headers, query_string=params)


@pytest.fixture
def api(world, driver, client):
    """A logged-in driver with 500 元 in the wallet."""
    token = driver.token("o-order-driver")
    member = db.session.scalar(select(Member).where(Member.openid == "o-order-driver"))
    credit_wallet(member, 50_000)
    return Api(client, token)


def order_body(world, **changes):
    """200 元 of 92# at station A."""
    body = {"station_id": world.station_a.id, "fuel": "92", "mode": "amount", "amount_fen": 20000}
    body.update(changes)
    return body


def wallet_json(principal_fen: int, bonus_fen: int = 0, frozen_reason: str | None = None) -> dict:
    """GET /wallet's answer for these balances."""
    return {
        "principal_fen": principal_fen,
        "bonus_fen": bonus_fen,
        "balance_fen": principal_fen + bonus_fen,
        "frozen": frozen_reason is not None,
        "frozen_reason": frozen_reason,
    }


def assert_error(answer, status: int, code: str) -> str:
    """The answer is the API's error shape with this status and code; returns the message."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


def make_station(world, name, lat, lng, fuels=("92", "95"), hours=(0, 1440), **fields):
    """A station of the world's chain selling `fuels` at the world's prices, open `hours` daily."""
    from app.extensions import db
    from app.models import FuelPrice, StationFuel, StationHours
    from app.models.base import utcnow
    from tests.factories import FUELS, StationFactory

    station = StationFactory(
        chain=world.chain, name=name, lat=lat, lng=lng, open_all_day=False, **fields
    )
    if hours is not None:
        for weekday in range(7):
            db.session.add(
                StationHours(
                    chain_id=world.chain.id,
                    station_id=station.id,
                    weekday=weekday,
                    opens_min=hours[0],
                    closes_min=hours[1],
                )
            )
    prices = {code: (list_fen, member_fen) for code, _, _, list_fen, member_fen in FUELS}
    for code in fuels:
        fuel = world.fuels[code]
        db.session.add(StationFuel(chain_id=world.chain.id, station_id=station.id, fuel_id=fuel.id))
        db.session.add(
            FuelPrice(
                chain_id=world.chain.id,
                station_id=station.id,
                fuel_id=fuel.id,
                list_price_fen=prices[code][0],
                member_price_fen=prices[code][1],
                effective_at=utcnow() - timedelta(days=30),
            )
        )
    db.session.commit()
    return station


def bump_catalogue(chain) -> None:
    """What the console's services do in the same transaction as a catalogue change."""
    chain.catalogue_version += 1
