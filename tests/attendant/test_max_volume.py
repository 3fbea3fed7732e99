"""The largest volume an order's remaining payment covers, against a brute-force search."""

import pytest

from app.models import Order
from app.services.orders import fueling
from app.services.platform.money import amount_for_volume


def brute_force(price: int, available: int) -> int:
    volume = 0
    while amount_for_volume(price, volume + 10) <= available:
        volume += 10
    return volume


@pytest.mark.parametrize("price", [1, 99, 100, 101, 333, 701, 748, 801, 909, 1999])
def test_max_volume_matches_brute_force(price):
    for available in [0, 1, 2, 3, 5, 7, 50, 99, 100, 101, 749, 1234, 5003]:
        order = Order(unit_price_fen=price, paid_fen=available + 40, refunded_fen=40)
        expected = brute_force(price, available)
        assert fueling.max_volume_ml(order) == expected, (price, available)
        # And confirming exactly that much is accepted, 10 ml more is not.
        if expected:
            assert fueling.price_fueling(order, expected).refund_fen >= 0
        with pytest.raises(fueling.Invalid):
            fueling.price_fueling(order, expected + 10)
