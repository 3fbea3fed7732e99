"""WGS-84 -> GCJ-02 against published pairs, the reverse, and distances."""

import pytest

from app.services.catalogue.geo import gcj02_to_wgs84, haversine_m, outside_china, wgs84_to_gcj02

# WGS-84 and GCJ-02 pairs published with the widely used open-source transform.
PAIRS = [
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
]
KUNMING_WGS = (25.0389, 102.7183)
KUNMING_DALI_M = 252_000  # straight line, prefecture seats; about 250 km


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_forward_transform_matches_published_pairs(wgs, gcj):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-7)
    assert lng == pytest.approx(gcj[1], abs=1e-7)


def test_kunming_shift_is_a_few_hundred_metres_to_the_south_east():
    lat, lng = wgs84_to_gcj02(*KUNMING_WGS)
    assert lat < KUNMING_WGS[0] and lng > KUNMING_WGS[1]
    assert 300 < haversine_m(*KUNMING_WGS, lat, lng) < 700


@pytest.mark.parametrize(("wgs", "gcj"), [*PAIRS, (KUNMING_WGS, wgs84_to_gcj02(*KUNMING_WGS))])
def test_reverse_is_within_a_metre(wgs, gcj):
    back = gcj02_to_wgs84(*gcj)
    assert haversine_m(*back, *wgs) < 1


@pytest.mark.parametrize(
    "point", [(51.5007, -0.1246), (-33.8568, 151.2153), (35.6586, 139.7454), (60.0, 100.0)]
)
def test_points_outside_china_are_unchanged(point):
    assert outside_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_haversine_known_distances():
    assert haversine_m(25.0406, 102.7123, 25.0406, 102.7123) == 0
    kunming_dali = haversine_m(25.0406, 102.7123, 25.6065, 100.2676)
    assert abs(kunming_dali - KUNMING_DALI_M) < 3_000
    one_degree_lat = haversine_m(25.0, 102.0, 26.0, 102.0)
    assert one_degree_lat == pytest.approx(111_195, abs=5)
    assert haversine_m(25.6065, 100.2676, 25.0406, 102.7123) == pytest.approx(kunming_dali)
    # Across the antimeridian the short way round.
    assert haversine_m(0.0, 179.9, 0.0, -179.9) == pytest.approx(22_239, abs=5)
