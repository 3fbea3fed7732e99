"""Drivers and a handheld over HTTP, as in bench/flow_load.py: each driver places an order, pays
it from the wallet, and the attendant scans and confirms it; then every order is brought to an
end as people would (a driver cancels what they could not pay, the attendant fills what is
paid) and the jobs must settle the rest."""

import secrets
import threading
import uuid
from collections import Counter
from datetime import timedelta

import httpx
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, MemberToken, Order, OutboxJob
from app.models.base import utcnow
from app.services.members import hash_token
from tests.factories import PASSWORD, make_member
from tests.faults.processes import wait_until
from tests.money.helpers import credit_wallet

FINAL = {"settled", "cancelled", "expired"}


def driver_token(member: Member) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        MemberToken(
            chain_id=member.chain_id,
            member_id=member.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    db.session.commit()
    return token


class Load:
    """Driver threads running complete flows against `url` until stopped."""

    def __init__(self, url: str, world, drivers: int):
        self.url, self.station_id = url, world.station_a.id
        self.tokens = {}
        for n in range(drivers):
            member = make_member(world.chain, openid=f"o-fault-driver-{n}")
            credit_wallet(member, 10_000_000)
            self.tokens[member.id] = driver_token(member)
        self.handheld = self._handheld_session()
        self.flows = Counter()  # "done", or the step and what it got instead
        self.not_json: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def login(self) -> httpx.Response:
        """The attendant logs in on the handheld."""
        credentials = {"username": "attendant_a", "password": PASSWORD}
        return httpx.post(self.url + "/attendant/api/login", json=credentials, timeout=10)

    def _handheld_session(self) -> dict:
        login = self.login()
        assert login.status_code == 200, login.text
        return {"cookies": dict(login.cookies), "csrf": login.json()["csrf_token"]}

    def driver(self, member_id: int) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[member_id]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def attendant(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            cookies=self.handheld["cookies"],
            headers={"X-CSRFToken": self.handheld["csrf"]},
            timeout=30,
        )

    def start(self) -> "Load":
        for member_id in self.tokens:
            thread = threading.Thread(target=self._loop, args=(member_id,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a driver is still waiting for an answer after 60 s"

    def done(self) -> int:
        with self._lock:
            return self.flows["done"]

    def wait_for_flows(self, more: int, seconds: float = 30) -> None:
        target = self.done() + more
        wait_until(lambda: self.done() >= target, seconds, f"{more} more complete flows")

    def _loop(self, member_id: int) -> None:
        with self.driver(member_id) as phone, self.attendant() as handheld:
            while not self._stop.is_set():
                outcome = self._flow(phone, handheld)
                with self._lock:
                    self.flows[outcome] += 1

    def _flow(self, phone: httpx.Client, handheld: httpx.Client) -> str:
        step = "place"
        try:
            order = {"station_id": self.station_id, "fuel": "92", "mode": "amount"}
            answer = phone.post("/api/v1/orders", json=order | {"amount_fen": 20000}, headers=key())
            if not answer.is_success:
                return self._failed(step, answer)
            step, order_id = "pay", answer.json()["id"]
            answer = phone.post(f"/api/v1/orders/{order_id}/pay", json=WALLET, headers=key())
            if not answer.is_success:
                return self._failed(step, answer)
            step, pickup = "confirm", answer.json()["order"]["pickup"]["token"]
            answer = fill(handheld, pickup)
            if not answer.is_success:
                return self._failed(step, answer)
        except httpx.TransportError as err:
            return f"{step}: {type(err).__name__}"
        return "done"

    def _failed(self, step: str, answer: httpx.Response) -> str:
        if not answer.headers.get("content-type", "").startswith("application/json"):
            with self._lock:
                self.not_json.append(f"{step} {answer.status_code}: {answer.text[:200]}")
        return f"{step}: {answer.status_code}"

    def bring_to_an_end(self) -> None:
        """What people do with an order a fault left half-way: the driver cancels one still
        unpaid; the attendant fills one paid, from the code the driver's app shows."""
        with current_app.app_context():  # a session of its own: the test's may have been dropped
            left = db.session.execute(
                select(Order.id, Order.member_id, Order.status).where(
                    Order.status.in_(("created", "paid"))
                )
            ).all()
        with self.attendant() as handheld:
            for order_id, member_id, status in left:
                with self.driver(member_id) as phone:
                    if status == "created":
                        answer = phone.post(f"/api/v1/orders/{order_id}/cancel", headers=key())
                    else:
                        shown = phone.get(f"/api/v1/orders/{order_id}").json()
                        answer = fill(handheld, shown["pickup"]["token"])
                    assert answer.is_success, answer.text


WALLET = {"method": "wallet"}


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def fill(handheld: httpx.Client, pickup_token: str) -> httpx.Response:
    """The attendant scans the code and fuels a little less than paid for (a refund follows)."""
    found = handheld.get("/attendant/api/orders/lookup", params={"token": pickup_token})
    if not found.is_success:
        return found
    dispensed = found.json()["max_volume_ml"] * 9 // 10 // 10 * 10
    return handheld.post(
        "/attendant/api/orders/confirm", json={"token": pickup_token, "dispensed_ml": dispensed}
    )


def unfinished() -> dict:
    """What is not at an end yet: orders by status, and outbox jobs due, under way or failed."""
    busy = OutboxJob.status.in_(("queued", "running", "failed")) | (
        (OutboxJob.status == "pending") & (OutboxJob.run_after <= utcnow())
    )
    with current_app.app_context():  # a session of its own: the test's may have been dropped
        orders = select(Order.status, func.count()).where(Order.status.not_in(FINAL))
        jobs = select(OutboxJob.status, func.count()).where(busy)
        return {
            "orders": dict(db.session.execute(orders.group_by(Order.status)).all()),
            "jobs": dict(db.session.execute(jobs.group_by(OutboxJob.status)).all()),
        }


def wait_all_final(seconds: float) -> None:
    """Every order at an end and every due job done, within `seconds`."""
    nothing = {"orders": {}, "jobs": {}}
    last = {}

    def settled() -> bool:
        last["seen"] = unfinished()
        return last["seen"] == nothing

    try:
        wait_until(settled, seconds, "every order at an end", every=0.1)
    except AssertionError:
        raise AssertionError(f"not at an end after {seconds} s: {last['seen']}") from None


def assert_ledger_check_passes(app) -> None:
    """`flask ledger check`, the command an operator runs."""
    with app.app_context():  # a session of its own: the test's may have been dropped
        result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "ledger check ok" in result.output
