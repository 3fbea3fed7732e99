"""Both OpenAPI documents as a contract: schemathesis, every check on, against the running app
with a real driver token and a real handheld session, over data in several states."""

import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Member
from app.services import orders, payments
from app.services.catalogue import stations
from app.services.marketing.points import adjusting
from app.services.members import topup_refunds, vehicles
from app.services.orders import pickup
from app.services.payments import cancellation
from tests.api.conftest import Driver
from tests.factories import PASSWORD, make_staff
from tests.marketing.conftest import live_announcement, live_banner
from tests.marketing.helpers import active_template
from tests.marketing.points_helpers import assert_points_ok, make_item, make_rule
from tests.money.helpers import assert_ledger_ok, credit_wallet, run_jobs
from tests.money.topup_helpers import credited_topup, make_package

EXAMPLES = 10  # per operation and phase: each test takes about a minute
# Half of the ids and tokens sent are real ones, so the fuzz reaches past "not found".
REAL = 0.5


def schemathesis(tmp_path, name: str, url: str, config: str, *options: str) -> dict:
    """Run the schemathesis command on one document, every check on; its JSON report."""
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(config)
    report = tmp_path / f"{name}.json"
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"),
        "--config-file",
        str(config_file),
        "run",
        url,
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        *options,
    ]
    started = time.monotonic()
    done = subprocess.run(  # in tmp_path: its cache stays out of the work tree
        command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path
    )
    if os.environ.get("FUZZ_OUTPUT"):  # a place to read the whole output while working on it
        with open(os.environ["FUZZ_OUTPUT"] + name, "w") as out:
            out.write(done.stdout + done.stderr)
    print(f"{name}: {time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-2000:]
    return json.loads(report.read_text())


def toml(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 80)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Data:
    token: str  # the driver's bearer token
    order_ids: list[int]
    station_ids: list[int]
    photo_ids: list[int]
    pickup_tokens: list[str]  # of paid orders
    package_ids: list[int]
    topup_ids: list[int]
    request_ids: list[int]  # refund requests of top-ups
    vehicle_ids: list[int]
    image_ids: list[int]  # of live banners
    template_ids: list[int]  # coupon templates
    item_ids: list[int]  # of the points catalogue


@pytest.fixture
def data(world, live_server, client, app, monkeypatch) -> Data:
    """A driver (logged in through the WeChat sandbox) with orders created, paid, fuelled and
    settled, and cancelled; a station photo; top-up packages, credited top-ups, a refund
    request; coupons to claim."""
    monkeypatch.setitem(app.config, "LIVE_WAIT_MAX_S", 0)  # the long poll answers at once
    token = Driver(client).token("o-fuzz-driver")
    member = db.session.scalar(select(Member).where(Member.openid == "o-fuzz-driver"))
    credit_wallet(member, 500_000)
    make_rule(world)  # points for the settled order; more given below to redeem

    def place(**how):
        how = {"fuel_code": "92", "nozzle_number": None, "mode": "amount", "amount_fen": 5000} | how
        return orders.place_order(member, world.station_a.id, **how)

    created = place()
    paid = [payments.pay_with_wallet(member, place(mode="volume", volume_ml=20000).id)]
    paid.append(payments.pay_with_wallet(member, place(nozzle_number=1).id))
    fueled = payments.pay_with_wallet(member, place().id)
    pickup.confirm(world.attendant_a, pickup.token_for(fueled), 5000, None)
    run_jobs()
    cancelled = cancellation.cancel_order(member, place(mode="fill_up").id)
    photo = stations.add_photo(world.manager_a, world.station_a.id, png(), "外景")
    packages = [make_package(world.chain), make_package(world.chain, world.station_a, kind="free")]
    topups = [credited_topup(member, world.station_a) for _ in range(2)]
    request = topup_refunds.request_refund(member, topups[0].id, "不用了")
    cars = [
        vehicles.add_vehicle(member, plate=p, fuel_code="92") for p in ("云A10001", "云AD10002")
    ]
    banner = live_banner(world.admin, scope="station", station_id=world.station_a.id)
    live_announcement(world.admin, scope="city", city="昆明")
    coupons = [
        active_template(world.admin),  # one each: the first claim wins, the next hit the limit
        active_template(world.manager_a, world.station_a, stock_total=None, per_member_limit=99),
    ]
    adjusting.adjust(world.admin, member.id, 5_000, "测试赠送")
    items = [
        make_item(world, points=100, stock_total=3, per_member_limit=2),
        make_item(world, "coupon", coupon_template_id=coupons[1].id, points=200),
    ]
    return Data(
        token=token,
        order_ids=[o.id for o in (created, *paid, fueled, cancelled)],
        station_ids=[world.station_a.id, world.station_b.id],
        photo_ids=[photo.id],
        pickup_tokens=[pickup.token_for(o) for o in paid],
        package_ids=[p.id for p in packages],
        topup_ids=[t.id for t in topups],
        request_ids=[request.id],
        vehicle_ids=[car.id for car in cars],
        image_ids=[banner.image_id],
        template_ids=[t.id for t in coupons],
        item_ids=[i.id for i in items],
    )


def handheld_session(client, username: str) -> tuple[str, str]:
    answer = client.post("/attendant/api/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    return client.get_cookie("session").value, answer.get_json()["csrf_token"]


def test_driver_api_keeps_its_document(live_server, data, tmp_path):
    config = f"""
[auth.openapi.bearer]
bearer = {toml(data.token)}

[dictionaries.orders]
values = {toml(data.order_ids)}
[dictionaries.stations]
values = {toml(data.station_ids)}
[dictionaries.photos]
values = {toml(data.photo_ids)}
[dictionaries.packages]
values = {toml(data.package_ids)}
[dictionaries.topups]
values = {toml(data.topup_ids)}
[dictionaries.requests]
values = {toml(data.request_ids)}
[dictionaries.vehicles]
values = {toml(data.vehicle_ids)}
[dictionaries.images]
values = {toml(data.image_ids)}
[dictionaries.cities]
values = {toml(["昆明", "大理"])}
[dictionaries.templates]
values = {toml(data.template_ids)}
[dictionaries.items]
values = {toml(data.item_ids)}

[parameters]
"path.order_id" = {{ dictionary = "orders", probability = {REAL} }}
"path.station_id" = {{ dictionary = "stations", probability = {REAL} }}
"body.station_id" = {{ dictionary = "stations", probability = {REAL} }}
"path.photo_id" = {{ dictionary = "photos", probability = {REAL} }}
"body.package_id" = {{ dictionary = "packages", probability = {REAL} }}
"path.topup_id" = {{ dictionary = "topups", probability = {REAL} }}
"path.request_id" = {{ dictionary = "requests", probability = {REAL} }}
"path.vehicle_id" = {{ dictionary = "vehicles", probability = {REAL} }}
"path.image_id" = {{ dictionary = "images", probability = {REAL} }}
"query.station_id" = {{ dictionary = "stations", probability = {REAL} }}
"query.city" = {{ dictionary = "cities", probability = {REAL} }}
"body.template_id" = {{ dictionary = "templates", probability = {REAL} }}
"body.item_id" = {{ dictionary = "items", probability = {REAL} }}
"""
    schemathesis(tmp_path, "driver", live_server.url + "/api/v1/openapi.json", config)
    assert_ledger_ok()
    assert_points_ok()


def test_attendant_api_keeps_its_document(world, live_server, data, app, tmp_path):
    make_staff(world.chain, "attendant", [world.station_a], "fuzz_spare")
    db.session.commit()
    cookie, csrf_token = handheld_session(app.test_client(), "attendant_a")
    spare_cookie, spare_csrf = handheld_session(app.test_client(), "fuzz_spare")
    url = live_server.url + "/attendant/api/openapi.json"
    config = """
[auth.openapi.session]
api_key = {}
[auth.openapi.csrf]
api_key = {}

[dictionaries.tokens]
values = {}
[dictionaries.stations]
values = {}

[parameters]
"query.token" = {{ dictionary = "tokens", probability = {} }}
"body.token" = {{ dictionary = "tokens", probability = {} }}
"path.station_id" = {{ dictionary = "stations", probability = {} }}
"body.station_id" = {{ dictionary = "stations", probability = {} }}
"""
    values = (toml(data.pickup_tokens), toml(data.station_ids), REAL, REAL, REAL, REAL)
    # Logging out, locking, setting a PIN and wrong PINs end or change the session they run in:
    # they get a session of their own, so the others keep theirs.
    session_changing = "^/(logout|lock|unlock|pin)$"
    schemathesis(
        tmp_path,
        "attendant",
        url,
        config.format(toml(cookie), toml(csrf_token), *values),
        "--exclude-path-regex",
        session_changing,
    )
    schemathesis(
        tmp_path,
        "attendant-session",
        url,
        config.format(toml(spare_cookie), toml(spare_csrf), *values),
        "--include-path-regex",
        session_changing,
    )
    run_jobs()
    assert_ledger_ok()
