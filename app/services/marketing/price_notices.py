"""Price-change notices (调价通知), made from the scheduled prices and never stored twice.

A change of a fuel's list price at a station (a station's own or head office's chain-wide
one, catalogue.pricing and catalogue.chain_prices) that takes effect in the future, or did in
the last 24 hours, reads "3月5日 24:00 起 92# 调整为 7.85 元/升（+0.12）". They are read from
the catalogue's read model (active stations, fuels on sale, uncancelled prices), so a cancelled
change disappears with the catalogue's next version. A change of the member price alone is
not announced: the pump shows the list price."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models import Staff
from app.services import catalogue
from app.services.catalogue.entries import StationEntry
from app.services.platform import money
from app.services.platform.clock import to_local
from app.services.staff import access

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class PriceChange:
    price_id: int
    station_id: int
    station_name: str
    city: str
    fuel_code: str
    fuel_name: str
    effective_at: datetime
    list_price_fen: int
    member_price_fen: int
    previous_list_fen: int
    previous_member_fen: int

    @property
    def change_fen(self) -> int:
        return self.list_price_fen - self.previous_list_fen

    @property
    def text(self) -> str:
        return notice_text(self.fuel_code, self.effective_at, self.list_price_fen, self.change_fen)

    def in_effect(self, now: datetime) -> bool:
        return self.effective_at <= now

    @property
    def shown_until(self) -> datetime:
        return self.effective_at + RECENT


def fuel_label(code: str) -> str:
    return code if code.endswith("#") else f"{code}#"


def moment_text(moment: datetime) -> str:
    """3月5日 24:00 for the midnight that ends 3月5日 (how the adjustment window is announced),
    else 3月5日 08:30, in Beijing time."""
    local = to_local(moment)
    if (local.hour, local.minute) == (0, 0):
        day = local - timedelta(days=1)
        return f"{day.month}月{day.day}日 24:00"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def notice_text(fuel_code: str, effective_at: datetime, list_fen: int, change_fen: int) -> str:
    sign = "+" if change_fen > 0 else "-"
    return (
        f"{moment_text(effective_at)} 起 {fuel_label(fuel_code)} 调整为 "
        f"{money.fen_to_yuan(list_fen)} 元/升（{sign}{money.fen_to_yuan(abs(change_fen))}）"
    )


def changes(stations: Iterable[StationEntry], now: datetime) -> list[PriceChange]:
    """The stations' list-price changes to announce at `now`, the latest first."""
    found = []
    for station in stations:
        for offer in station.fuels:
            for previous, price in zip(offer.prices, offer.prices[1:], strict=False):
                if price.effective_at + RECENT <= now:
                    continue
                if price.list_price_fen == previous.list_price_fen:
                    continue
                found.append(
                    PriceChange(
                        price_id=price.id,
                        station_id=station.id,
                        station_name=station.name,
                        city=station.city,
                        fuel_code=offer.code,
                        fuel_name=offer.name,
                        effective_at=price.effective_at,
                        list_price_fen=price.list_price_fen,
                        member_price_fen=price.member_price_fen,
                        previous_list_fen=previous.list_price_fen,
                        previous_member_fen=previous.member_price_fen,
                    )
                )
    found.sort(key=lambda c: (-c.effective_at.timestamp(), c.station_id, c.fuel_code))
    return found


def grouped(found: list[PriceChange]) -> list[list[PriceChange]]:
    """Changes by the same amount of a fuel at the same moment at several stations of a city
    (head office's chain-wide adjustment, stations' prices a few fen apart), as one notice
    naming its stations with each one's prices; in the order found."""
    groups: dict[tuple, list[PriceChange]] = {}
    for change in found:
        key = (change.fuel_code, change.effective_at, change.change_fen)
        groups.setdefault(key, []).append(change)
    return list(groups.values())


def group_text(group: list[PriceChange]) -> str:
    """One station's price, or the same price everywhere: "调整为 7.85 元/升（+0.12）";
    stations at different prices: "每升上调 0.12 元（7.80-7.92 元/升）"."""
    first = group[0]
    prices = sorted({c.list_price_fen for c in group})
    if len(prices) == 1:
        return first.text
    way = "上调" if first.change_fen > 0 else "下调"
    low, high = money.fen_to_yuan(prices[0]), money.fen_to_yuan(prices[-1])
    return (
        f"{moment_text(first.effective_at)} 起 {fuel_label(first.fuel_code)} 每升{way} "
        f"{money.fen_to_yuan(abs(first.change_fen))} 元（{low}-{high} 元/升）"
    )


def boundaries(found: list[PriceChange], now: datetime) -> list[datetime]:
    """The moments these notices change: one takes effect, or has been shown for 24 hours."""
    moments = [c.shown_until for c in found]
    moments += [c.effective_at for c in found if c.effective_at > now]
    return moments


def for_staff(actor: Staff, now: datetime) -> list[PriceChange]:
    """What drivers are shown now for the stations this manager (or head office) runs."""
    access_ids = {s.id for s in access.managed_stations(actor)}
    stations = catalogue.for_chain(actor.chain_id)
    if stations is None:
        return []
    return changes((s for s in stations.stations.values() if s.id in access_ids), now)
