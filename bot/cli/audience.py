"""`campaign apply` helpers: fetch chat platform groups (Slack user groups) for an audience; print a dry run."""

from __future__ import annotations

from bot.channels import audience_groups
from bot.cli.common import load_settings, out
from content.campaign import CampaignSpec
from core.audience import ChatGroups, groups_to_fetch
from flows.campaign_preview import Preview


def chat_groups_for(spec: CampaignSpec) -> ChatGroups:
    """Fetch the members of the chat groups the spec names, from each configured platform."""
    out = {}
    wanted = groups_to_fetch(spec.audience)
    settings = load_settings() if wanted else None
    for platform, names in wanted.items():
        found = audience_groups(settings, platform, names)
        if found is not None:
            out[platform] = found
    return out


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
            line += "  conflicts: " + "; ".join(str(c) for c in j.conflicts)
        out.print(line)
    for person in p.remove:
        out.print(f"- {person.handle}")
    for w in p.warnings:
        out.print(w)
