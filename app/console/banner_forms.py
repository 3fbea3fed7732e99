"""Forms of the banners and announcements pages: they type the input (times typed in Beijing
time, ids as numbers); the rules are the marketing services'."""

from datetime import datetime

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from app.console.forms import ConsoleForm
from app.models import Staff
from app.services.marketing import content_scope
from app.services.marketing.banners import TARGETS, BannerFields
from app.services.marketing.notices import AnnouncementFields
from app.services.platform import clock
from app.services.staff import access

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def local_value(moment: datetime | None) -> str:
    return clock.to_local(moment).strftime(LOCAL_FORMAT) if moment else ""


class ScopedForm(ConsoleForm):
    """Where it shows and when: the part banners and announcements share."""

    scope = SelectField("展示范围", validate_choice=False)
    city = SelectField("城市", validate_choice=False)
    station_id = SelectField("油站", validate_choice=False)
    live_from = StringField("上线时间（北京时间）")
    live_until = StringField("下线时间（北京时间，可不填）")

    def offer(self, actor: Staff) -> None:
        """The choices this member of staff may make: a manager, only their stations."""
        if actor.role == "chain_admin":
            self.scope.choices = [SelectChoice(k, v) for k, v in content_scope.SCOPE_NAMES.items()]
        else:
            self.scope.choices = [SelectChoice("station", "本站")]
        self.city.choices = [SelectChoice("", "请选择城市")] + [
            SelectChoice(c, c) for c in content_scope.cities(actor.chain_id)
        ]
        self.station_id.choices = [SelectChoice("", "请选择油站")] + [
            SelectChoice(str(s.id), s.name) for s in access.managed_stations(actor)
        ]

    def fill(self, row) -> None:
        self.scope.data, self.city.data = row.scope, row.city or ""
        self.station_id.data = str(row.station_id or "")
        self.live_from.data = local_value(row.live_from)
        self.live_until.data = local_value(row.live_until)

    def moment(self, field, required: bool) -> datetime | None:
        text = (field.data or "").strip()
        if not text:
            if required:
                field.errors = [*field.errors, "请选择日期和时间"]
            return None
        try:
            return clock.from_local(datetime.strptime(text, LOCAL_FORMAT))
        except ValueError:
            field.errors = [*field.errors, "请选择日期和时间"]
            return None

    def where(self) -> dict:
        station = (self.station_id.data or "").strip()
        return {
            "scope": self.scope.data or "",
            "city": self.city.data or None,
            "station_id": int(station) if station.isdigit() else None,
            "live_from": self.moment(self.live_from, required=True),
            "live_until": self.moment(self.live_until, required=False),
        }


class BannerForm(ScopedForm):
    title = StringField("标题")
    image = FileField("横幅图片")
    target = SelectField("点击后打开", choices=[SelectChoice(k, v[0]) for k, v in TARGETS.items()])
    target_station_id = SelectField("要打开的油站", validate_choice=False)

    def offer(self, actor: Staff) -> None:
        super().offer(actor)
        self.target_station_id.choices = [SelectChoice("", "请选择油站")] + [
            SelectChoice(str(s.id), s.name) for s in content_scope.chain_stations(actor.chain_id)
        ]

    def fill(self, banner) -> None:
        super().fill(banner)
        self.title.data, self.target.data = banner.title, banner.target
        self.target_station_id.data = str(banner.target_station_id or "")

    def values(self) -> BannerFields:
        target_station = (self.target_station_id.data or "").strip()
        return BannerFields(
            title=self.title.data or "",
            target=self.target.data or "none",
            target_station_id=int(target_station) if target_station.isdigit() else None,
            **self.where(),
        )

    def picture(self) -> bytes | None:
        upload = self.image.data
        return upload.read() if upload and getattr(upload, "filename", "") else None


class AnnouncementForm(ScopedForm):
    title = StringField("标题")
    body = TextAreaField("内容")
    pinned = BooleanField("置顶")

    def fill(self, row) -> None:
        super().fill(row)
        self.title.data, self.body.data, self.pinned.data = row.title, row.body, row.pinned

    def values(self) -> AnnouncementFields:
        return AnnouncementFields(
            title=self.title.data or "",
            body=self.body.data or "",
            pinned=bool(self.pinned.data),
            **self.where(),
        )
