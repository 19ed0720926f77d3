"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

from flask import request, url_for
from markupsafe import Markup, escape

from . import clock
from .models import enums


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in China time (the users' clock)."""
    return "" if value is None else clock.local(value).strftime(fmt)


def page_url(page: int) -> str:
    """The current URL with `page` replaced, keeping the other query arguments."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def highlight(text: str | None, terms) -> Markup:
    """Escape `text` and wrap each occurrence of the matched terms in <mark>, longest first."""
    safe = str(escape(text or ""))
    words = sorted({str(escape(t)) for t in (terms or []) if t and t.strip()}, key=len, reverse=True)
    if not words:
        return Markup(safe)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    # Only replace outside entities such as &lt;: split the escaped text on them first.
    parts = re.split(r"(&[#a-zA-Z0-9]+;)", safe)
    marked = [p if p.startswith("&") and p.endswith(";") else pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", p)
              for p in parts]
    return Markup("".join(marked))


def excerpt(text: str | None, length: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length] + "…"


def wan(amount) -> str:
    """An amount in 万元 the same way on every page: thousands separated, no trailing zeros
    (800 → "800", 1250.5 → "1,250.5", 0.75 → "0.75")."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def filesize(size: int | None) -> str:
    """A file's size for people: 820 字节, 12.5 KB, 3.2 MB (never "0.0 KB")."""
    size = size or 0
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def score(value) -> str:
    """Expert scores, totals, means and spreads with two decimals everywhere ("—" when missing)."""
    return "—" if value is None else f"{float(value):.2f}"


# The colour of each status badge (Bootstrap's bg-*), per enum: members of different enums may share a
# code ("rejected"), so they are looked up by their own enum first.
BADGES = {
    enums.OrgStatus: {enums.OrgStatus.pending: "warning text-dark", enums.OrgStatus.verified: "success",
                      enums.OrgStatus.rejected: "secondary"},
    enums.ChallengeState: {
        enums.ChallengeState.draft: "secondary", enums.ChallengeState.submitted: "warning text-dark",
        enums.ChallengeState.returned: "danger", enums.ChallengeState.published: "success",
        enums.ChallengeState.closed: "dark", enums.ChallengeState.awarded: "primary",
        enums.ChallengeState.failed: "secondary", enums.ChallengeState.withdrawn: "light text-dark"},
    enums.MilestoneState: {
        enums.MilestoneState.planned: "secondary", enums.MilestoneState.submitted: "warning text-dark",
        enums.MilestoneState.confirmed: "success", enums.MilestoneState.rejected: "danger"},
}


def badge(member) -> str:
    """The colour of a state's or status's badge ("secondary" for any other)."""
    return BADGES.get(type(member), {}).get(member, "secondary")


def state_label(code: str) -> str:
    """The Chinese label of a stored state code, whichever state machine it belongs to."""
    for kind in (enums.ChallengeState, enums.ProposalState, enums.ProjectState, enums.MilestoneState,
                 enums.ReviewState, enums.OrgStatus, enums.OrgRole, enums.ListingStatus):
        if code in kind._value2member_map_:
            return kind(code).label
    return code


def init_app(app) -> None:
    from .formkit import field_errors
    from .services.audit import action_label

    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["state_label"] = state_label
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["wan"] = wan
    app.jinja_env.filters["score"] = score
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["badge"] = badge
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["field_errors"] = field_errors
    from .services.accounts import disabled_by_platform

    app.jinja_env.globals["disabled_by_platform"] = disabled_by_platform
    from .services.submissions import hidden_field

    app.jinja_env.globals["submission_token"] = hidden_field  # in every form that creates a record
    from matching.params import DEFAULT_MIN_MATCH

    # The relevance cutoff the product's matcher uses (services/match_index.new_matcher), for the
    # pages that explain why a list is short.
    app.jinja_env.globals["match_cutoff"] = DEFAULT_MIN_MATCH
    # A working-day period reaching a year the official holiday calendar does not cover yet was
    # counted by weekends alone; the page says so next to it.
    app.jinja_env.globals["workdays_note"] = workdays_note
    init_rules(app)


def workdays_note(start, end) -> str:
    """'' when the period from `start` to `end` is counted by the official calendar, else the note."""
    from .workdays import FALLBACK_NOTE, all_covered

    return "" if all_covered(start, end) else FALLBACK_NOTE


def init_rules(app) -> None:
    """The questions a page may ask: who may do what (each service's registered rules, called as
    `may_edit_challenge(current_user, challenge)`), and the choices of enum-coded filters. A template
    compares no state, status, role or type code itself (tests/web/test_template_rules.py)."""
    from .services import rules
    from .services.visibility import LISTED_STATES

    app.jinja_env.globals.update(rules.registered())
    app.jinja_env.globals["choices"] = SimpleNamespace(
        challenge_modes=enums.ChallengeMode.choices(),
        listed_states=enums.ChallengeState.choices(only=LISTED_STATES),  # what the 榜单大厅 shows
        institution_types=enums.OrgType.choices(only=enums.INSTITUTION_TYPES),
        org_status_filter=enums.OrgStatus.choices() + [("all", "全部")],  # the verification queue's filter
    )
