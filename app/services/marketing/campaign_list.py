"""The staff's list of campaigns: the ones they see (campaigns.visible_filter), newest first,
filtered by where they stand now (draft, not started, running, over, voided), paged, in words."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import CAMPAIGN_KINDS, Campaign, Staff
from app.models.base import utcnow
from app.services.marketing import campaign_fields, campaigns

PER_PAGE = 20


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    words: campaign_fields.Words
    phase: str  # campaigns.PHASES
    may_manage: bool

    @property
    def kind_name(self) -> str:
        return CAMPAIGN_KINDS[self.campaign.kind]

    @property
    def phase_name(self) -> str:
        return campaigns.PHASES[self.phase]


@dataclass(frozen=True)
class CampaignPage:
    rows: list[CampaignRow]
    number: int
    has_next: bool


def rows_of(actor: Staff, found: list[Campaign], now: datetime) -> list[CampaignRow]:
    words = campaign_fields.describe(found)
    return [
        CampaignRow(
            c,
            words[c.id],
            campaigns.phase(c, now),
            campaigns.may_manage(actor, c.scope, words[c.id].station_ids),
        )
        for c in found
    ]


def list_campaigns(
    actor: Staff, status: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> CampaignPage:
    """A page of the campaigns the actor sees; status: a phase (Invalid naming the field
    when it is not one)."""
    now = utcnow()
    page = max(page, 1)
    query = _query(actor, status, now).offset((page - 1) * per_page).limit(per_page + 1)
    found = list(db.session.scalars(query))
    return CampaignPage(rows_of(actor, found[:per_page], now), page, len(found) > per_page)


def export_rows(actor: Staff, status: str | None, limit: int) -> list[CampaignRow]:
    """The list as filtered, up to limit rows (a chain runs tens of campaigns a year)."""
    now = utcnow()
    found = list(db.session.scalars(_query(actor, status, now).limit(limit)))
    return rows_of(actor, found, now)


def _query(actor: Staff, status: str | None, now: datetime):
    query = select(Campaign).where(*campaigns.visible_filter(actor))
    if status:
        query = query.where(campaigns.phase_filter(status, now))
    return query.order_by(Campaign.id.desc())
