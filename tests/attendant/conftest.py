"""Attendant API helpers: a handheld that logs in and sends its CSRF token, and paid orders."""

import pytest

from app.extensions import db
from app.models import Order
from app.services import orders, payments
from app.services.orders import pickup
from tests.factories import PASSWORD, make_member, make_staff
from tests.money.helpers import credit_wallet

BASE = "/attendant/api"


class Handheld:
    """Plays the PWA: the session cookie is kept by the client, the CSRF token by the app."""

    def __init__(self, client):
        self.client = client
        self.csrf_token = None

    def login(self, username, password=PASSWORD):
        answer = self.client.post(
            BASE + "/login", json={"username": username, "password": password}
        )
        if answer.status_code == 200:
            self.csrf_token = answer.get_json()["csrf_token"]
        return answer

    def get(self, path, **params):
        return self.client.get(BASE + path, query_string=params)

    def post(self, path, body=None, csrf=True):
        headers = {"X-CSRFToken": self.csrf_token} if csrf and self.csrf_token else {}
        return self.client.post(BASE + path, json=body, headers=headers)

    def confirm(self, token, dispensed_ml, csrf=True):
        return self.post("/orders/confirm", {"token": token, "dispensed_ml": dispensed_ml}, csrf)


@pytest.fixture
def handheld(client):
    return Handheld(client)


@pytest.fixture
def attendant(world, handheld):
    """The handheld, logged in as station A's attendant."""
    assert handheld.login("attendant_a").status_code == 200
    return handheld


@pytest.fixture
def attendant_b(world):
    return make_staff(world.chain, "attendant", [world.station_b], "attendant_b")


@pytest.fixture
def member(world):
    member = make_member(world.chain)
    credit_wallet(member, 100_000)
    return member


def paid_order(world, member, station=None, **how) -> tuple[Order, str]:
    """An order placed and paid from the wallet through the real services, and its QR token."""
    how = how or {"mode": "amount", "amount_fen": 20000}
    order = orders.place_order(
        member,
        (station or world.station_a).id,
        fuel_code=how.pop("fuel", "92"),
        nozzle_number=how.pop("nozzle", None),
        **how,
    )
    order = payments.pay_with_wallet(member, order.id)
    return order, pickup.token_for(order)


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)
