"""The staff statement that every staff request runs, built once: building it per call cost
more than running it (docs/benchmarks.md has the figures)."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Staff

# With the station links: every staff view checks them, one query instead of two.
_STAFF_WITH_STATIONS = (
    select(Staff).options(joinedload(Staff.station_links)).where(Staff.id == bindparam("id"))
)


def staff_with_stations(staff_id: int) -> Staff | None:
    return db.session.execute(_STAFF_WITH_STATIONS, {"id": staff_id}).unique().scalar()
