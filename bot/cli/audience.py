"""`campaign apply` helpers: fetch Slack user groups for an audience and print a dry run."""

from __future__ import annotations

from bot.channels import audience_groups
from bot.cli.common import load_settings, out
from content.campaign import CampaignSpec
from core.audience import SlackGroups, usergroups_of
from flows.campaign_preview import Preview


def slack_groups_for(spec: CampaignSpec) -> SlackGroups | None:
    """Fetch the Slack user groups the spec names (None when it names none or Slack is not configured)."""
    names = usergroups_of(spec.audience)
    if not names:
        return None
    return audience_groups(load_settings(), "slack", names)


def print_preview(p: Preview) -> None:
    """Print a dry run: who joins (with their first nudge and conflicts), who leaves, warnings."""
    verb = "update" if p.exists else "create"
    out.print(f"dry run: would {verb} campaign {p.campaign_id}; audience {p.audience}, "
              f"{len(p.enroll)} to enroll, {len(p.remove)} to remove; nothing was changed")
    for j in p.enroll:
        when = (j.first_local.strftime("%a %Y-%m-%d %H:%M %Z") if j.first_local is not None
                else "no nudge planned (no time zone yet, or not reachable)")
        line = f"+ {j.person.handle}  first nudge {when}"
        if j.conflicts:
            line += "  conflicts: " + "; ".join(j.conflicts)
        out.print(line)
    for person in p.remove:
        out.print(f"- {person.handle}")
    for w in p.warnings:
        out.print(w)
