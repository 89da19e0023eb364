"""A campaign's digest and privacy options (stored beside the campaign in `campaign_reporting`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.ladder import DEFAULT_LADDER
from core.models import CampaignReporting

if TYPE_CHECKING:
    from content.campaign import CampaignSpec

__all__ = ["DEFAULTS", "options_of", "save_options"]

DEFAULTS = CampaignReporting(digest_depth=1, struggle_below_pct=50, struggle_last=5, pseudonymous=False,
                             retention_days=None, ladder=[[k, v] for s in DEFAULT_LADDER for k, v in s.items()],
                             escalation_at="09:00")


def save_options(session: Session, spec: CampaignSpec) -> None:
    """Store the spec's digest and privacy options for its campaign."""
    row = session.get(CampaignReporting, spec.id)
    if row is None:
        row = CampaignReporting(campaign_id=spec.id)
        session.add(row)
    row.digest_depth = spec.digest.depth
    row.struggle_below_pct = spec.digest.struggling_below
    row.struggle_last = spec.digest.struggling_last
    row.pseudonymous = spec.privacy.pseudonymous
    row.retention_days = spec.privacy.retention_days
    row.ladder = [[who, days] for step in spec.escalation.ladder for who, days in step.items()]
    row.escalation_at = spec.escalation.at.strftime("%H:%M")


def options_of(session: Session, campaign_ids: Iterable[str]) -> dict[str, CampaignReporting]:
    """Return each campaign's options; campaigns without a row get the defaults."""
    ids = list(campaign_ids)
    found = {r.campaign_id: r for r in session.scalars(
        select(CampaignReporting).where(CampaignReporting.campaign_id.in_(ids)))} if ids else {}
    return {cid: found.get(cid, DEFAULTS) for cid in ids}
