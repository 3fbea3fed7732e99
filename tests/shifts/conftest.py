"""Shift tests: a station A with two fuels on three nozzles, a driver with money in the wallet,
sales made through the real place / pay / pump-reading services."""

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Nozzle
from app.services import payments
from app.services.counter import shifts
from app.services.counter.shifts.readings import Closing
from app.services.orders import pickup
from tests.console.conftest import Console
from tests.factories import make_member
from tests.money.helpers import credit_wallet, place, run_jobs

L = 1000  # ml per litre


class Pumps:
    """Station A of the world with nozzles 1 and 5 on 92# and 2 on 95# (3 and 4 disabled)."""

    def __init__(self, world):
        self.world = world
        station = world.station_a
        db.session.execute(
            update(Nozzle)
            .where(Nozzle.station_id == station.id, Nozzle.number.in_((3, 4)))
            .values(enabled=False)
        )
        five = Nozzle(
            chain_id=world.chain.id, station_id=station.id, number=5, fuel_id=world.fuels["92"].id
        )
        db.session.add(five)
        db.session.commit()
        self.ids = {
            n.number: n.id
            for n in db.session.scalars(db.select(Nozzle).where(Nozzle.station_id == station.id))
        }
        self.member = make_member(world.chain)
        credit_wallet(self.member, 1_000_000)

    def openings(self, **by_number) -> dict[int, int]:
        """openings(n1=..., n2=..., n5=...) in ml -> by nozzle id."""
        return {self.ids[int(k[1:])]: v for k, v in by_number.items()}

    def closings(self, **by_number: Closing) -> dict[int, Closing]:
        return {self.ids[int(k[1:])]: v for k, v in by_number.items()}

    def sell(self, number: int, ml: int, fuel: str | None = None):
        """A wallet order at nozzle `number`, paid, and the pump reading of `ml` confirmed."""
        fuel = fuel or ("95" if number == 2 else "92")
        order = place(
            self.member,
            self.world.station_a,
            fuel_code=fuel,
            nozzle_number=number,
            amount_fen=60_000,
        )
        payments.pay_with_wallet(self.member, order.id)
        return pickup.confirm_fueling(self.world.attendant_a, pickup.token_for(order), ml)

    def open(self, staff=None, n1=100_000 * L, n2=50_000 * L, n5=20_000 * L):
        staff = staff or self.world.cashier_a
        return shifts.open_shift(staff, self.world.station_a.id, self.openings(n1=n1, n2=n2, n5=n5))


@pytest.fixture
def pumps(world):
    yield Pumps(world)
    run_jobs()  # settle what was fuelled: the ledger check after the test sees it all


@pytest.fixture
def console(client):
    return Console(client)
