"""充值套餐 in the console (the page over members.packages): who sees and changes which
package, the form's errors, enabling and disabling, CSRF."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import TopupPackage
from app.services import ledger
from app.services.platform import clock
from tests.console.conftest import page
from tests.console.member_helpers import package

URL = "/console/topup-packages"
FIXED = {"name": "充500送30", "kind": "fixed", "pay": "500", "bonus": "30", "sort_order": "0"}


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(TopupPackage.id)))


def test_admin_creates_a_chain_package_and_managers_see_it_read_only(as_staff, world):
    admin = as_staff("admin")
    html = page(admin.get(URL))
    assert "充值套餐" in html and "全部油站（总部通用）" in html
    response = admin.post(URL, FIXED | {"station_id": ""})
    assert response.status_code == 303
    assert "已新建充值套餐「充500送30」" in page(admin.get(response.headers["Location"]))
    made = db.session.scalars(select(TopupPackage)).one()
    assert (made.station_id, made.pay_fen, made.bonus_fen) == (None, 50000, 3000)
    manager = page(as_staff("manager_a").get(URL))
    assert "充500送30" in manager and "仅总部可改" in manager
    assert "全部油站（总部通用）" not in manager
    assert ledger.check() == []


def test_manager_manages_own_station_packages_only(as_staff, world):
    console = as_staff("manager_a")
    response = console.post(URL, FIXED | {"station_id": world.station_a.id}, htmx=True)
    assert response.status_code == 200
    body = page(response)
    assert 'id="package-table"' in body and 'hx-swap-oob="true"' in body and "充500送30" in body
    assert console.post(URL, FIXED | {"station_id": ""}).status_code == 403
    assert console.post(URL, FIXED | {"station_id": world.station_b.id}).status_code == 403
    theirs = package(world, 100000, 8000, station=world.station_b)
    assert console.get(f"{URL}/{theirs.id}/edit").status_code == 403
    assert console.post(f"{URL}/{theirs.id}/enabled", {"enabled": "0"}).status_code == 403
    assert count() == 2
    assert ledger.check() == []


def test_form_errors_name_each_field(as_staff, world):
    console = as_staff("admin")
    response = console.post(
        URL, {"station_id": "", "name": "", "kind": "fixed", "pay": "5x", "bonus": "-1"}
    )
    assert response.status_code == 400
    html = page(response)
    assert "请输入金额" in html and "请填写套餐名称" in html
    free = {"name": "自由充", "kind": "free", "min": "500", "max": "100", "sort_order": "0"}
    response = console.post(URL, free | {"station_id": ""}, htmx=True)
    assert response.status_code == 400 and "最高充值金额不能低于最低充值金额" in page(response)
    assert count() == 0


def test_edit_disable_and_enable(as_staff, world):
    offer = package(world, 50000, 3000, station=world.station_a)
    console = as_staff("manager_a")
    assert "充500送30" in page(console.get(f"{URL}/{offer.id}/edit"))
    month_later = (clock.to_local(clock.utcnow()) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    changed = FIXED | {"name": "充500送50", "bonus": "50", "ends_at": month_later}
    response = console.post(f"{URL}/{offer.id}", changed)
    assert response.status_code == 303
    db.session.expire_all()
    assert (offer.name, offer.bonus_fen) == ("充500送50", 5000)
    assert offer.ends_at == clock.from_local(datetime.strptime(month_later, "%Y-%m-%dT%H:%M"))
    html = page(console.post(f"{URL}/{offer.id}/enabled", {"enabled": "0"}, htmx=True))
    assert "已停用充值套餐「充500送50」" in html and "已停用" in html
    db.session.expire_all()
    assert offer.enabled is False
    console.post(f"{URL}/{offer.id}/enabled", {"enabled": "1"})
    db.session.expire_all()
    assert offer.enabled is True
    assert ledger.check() == []


def test_cashier_gets_403_and_csrf_is_required(as_staff, world):
    offer = package(world, 50000, 3000, station=world.station_a)
    cashier = as_staff("cashier_a")
    assert cashier.get(URL).status_code == 403
    assert cashier.post(URL, FIXED | {"station_id": world.station_a.id}).status_code == 403
    manager = as_staff("manager_a")
    response = manager.post(f"{URL}/{offer.id}/enabled", {"enabled": "0"}, csrf=False)
    assert response.status_code == 303
    db.session.expire_all()
    assert offer.enabled is True and count() == 1
