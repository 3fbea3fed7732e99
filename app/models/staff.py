"""Staff accounts and the stations they belong to."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

ROLES = ("chain_admin", "manager", "cashier", "attendant")
ROLE_NAMES = {
    "chain_admin": "总部管理员",
    "manager": "站长",
    "cashier": "收银员",
    "attendant": "加油员",
}


class StaffStation(db.Model):
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), primary_key=True)


class Staff(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint(
            "role IN ('chain_admin', 'manager', 'cashier', 'attendant')", name="role_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chain.id"), index=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the session id: bumping it (disable, reset, new password) ends every session.
    login_epoch: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The handheld's quick-unlock PIN (argon2id) and wrong PINs in a row.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    station_links: Mapped[list[StaffStation]] = relationship(cascade="all, delete-orphan")

    @property
    def station_ids(self) -> set[int]:
        return {link.station_id for link in self.station_links}

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}.{self.login_epoch}"
