"""Synthetic listings for benchmarks: sentences of the demo (and dev) texts recombined, clearly marked."""
from __future__ import annotations

import json
import os
import random
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from .. import clock
from ..clock import utcnow
from ..credit_code import check_character
from ..extensions import db
from ..models import (
    Capability,
    Chain,
    Challenge,
    ChallengeMode,
    ChallengeState,
    IPTerms,
    ListingStatus,
    Organisation,
    OrgStatus,
    OrgType,
    Visibility,
    capability_chain,
)

MARK = "〔合成〕"  # every synthetic name and title starts with this, so nobody takes it for real
DEMO = Path(__file__).resolve().parent
DEV_DATA = Path(os.environ.get("MATCHING_DEV_DATA", DEMO.parents[2] / "shared" / "data" / "matching-dev"))
BATCH = 5000


def _sentences() -> list[str]:
    """Sentences of the demo texts, plus the dev abstracts when the shared data is beside the repo."""
    texts = []
    for name, fields in (("challenges.json", ("background", "difficulty", "expected_outcome")),
                         ("capabilities.json", ("description", "direction", "results", "facilities")),
                         ("achievements.json", ("summary",))):
        for record in json.loads((DEMO / name).read_text(encoding="utf-8")):
            texts.extend(record[f] for f in fields)
    corpus = DEV_DATA / "title-to-abstract" / "corpus.jsonl"
    if corpus.exists():
        with open(corpus, encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle)
    return [s for t in texts for s in re.split(r"(?<=[。；;！？])", t) if len(s) > 8]


def _titles() -> list[str]:
    titles = []
    for name in ("challenges.json", "capabilities.json", "achievements.json"):
        titles.extend(r["title"] for r in json.loads((DEMO / name).read_text(encoding="utf-8")))
    return titles


def _orgs(kind: OrgType, count: int, rng: random.Random, start: int) -> list[int]:
    rows = []
    for i in range(count):
        n = start + i
        first17 = ("91" if kind is OrgType.enterprise else "12") + "420100" + f"{n:09d}"
        rows.append({"name": f"{MARK}{'企业' if kind is OrgType.enterprise else '研究机构'}{n:05d}", "type": kind,
                     "credit_code": first17 + check_character(first17), "region": rng.choice(["武汉市", "襄阳市", "宜昌市"]),
                     "status": OrgStatus.verified, "is_demo": True, "contact_name": "", "contact_phone": "",
                     "contact_email": "", "website": "", "profile": "合成数据，仅用于性能测试。", "rejection_reason": "",
                     "created_at": utcnow()})
    db.session.execute(insert(Organisation), rows)
    return db.session.scalars(select(Organisation.id).where(Organisation.name.like(f"{MARK}%"),
                                                            Organisation.type == kind)).all()


def seed_scale(capabilities: int, challenges: int, seed: int = 20231, progress=print) -> dict[str, int]:
    """Bulk-insert synthetic capabilities and published challenges; rebuild the index afterwards."""
    rng = random.Random(seed)
    sentences, titles = _sentences(), _titles()
    chains = db.session.scalars(select(Chain.id)).all()
    existing = db.session.scalar(select(db.func.count()).select_from(Organisation).where(
        Organisation.name.like(f"{MARK}%"))) or 0
    institutions = _orgs(OrgType.institute, max(1, capabilities // 200), rng, existing)
    enterprises = _orgs(OrgType.enterprise, max(1, challenges // 50), rng, existing + 100000)

    def text(lo: int, hi: int) -> str:
        return "".join(rng.choice(sentences) for _ in range(rng.randint(lo, hi)))

    def title() -> str:
        a, b = rng.sample(titles, 2)
        return MARK + a[: len(a) // 2] + b[len(b) // 2:]

    done = 0
    while done < capabilities:
        size = min(BATCH, capabilities - done)
        rows = [{"organisation_id": rng.choice(institutions), "title": title(), "direction": text(1, 1),
                 "description": text(3, 6), "team_lead": "", "notable_members": "", "facilities": text(1, 1),
                 "results": text(1, 2), "keywords": "", "status": ListingStatus.active, "is_demo": True,
                 "created_at": utcnow(), "updated_at": utcnow(), "version": 1} for _ in range(size)]
        db.session.execute(insert(Capability), rows)
        last_ids = db.session.scalars(select(Capability.id).order_by(Capability.id.desc()).limit(size)).all()
        db.session.execute(insert(capability_chain), [{"capability_id": i, "chain_id": rng.choice(chains)} for i in last_ids])
        db.session.commit()
        done += size
        progress(f"科研能力 {done}/{capabilities}")
    done = 0
    while done < challenges:
        size = min(BATCH, challenges - done)
        rows = [{"organisation_id": rng.choice(enterprises), "chain_id": rng.choice(chains), "title": title(),
                 "mode": ChallengeMode.open_call, "background": text(2, 3), "difficulty": text(1, 2),
                 "indicators": text(1, 2), "expected_outcome": text(1, 1), "budget_wan": rng.randint(50, 2000),
                 "deadline": clock.today() + timedelta(days=rng.randint(10, 120)), "period_months": 24,
                 "conditions": "", "keywords": "", "ip_terms": IPTerms.negotiable, "visibility": Visibility.public,
                 "contact_name": "", "contact_phone": "", "state": ChallengeState.published, "return_reason": "",
                 "failure_reason": "", "is_demo": True, "created_at": utcnow(), "updated_at": utcnow(),
                 "published_at": utcnow(), "version": 1} for _ in range(size)]
        db.session.execute(insert(Challenge), rows)
        db.session.commit()
        done += size
        progress(f"榜单 {done}/{challenges}")
    return {"capabilities": capabilities, "challenges": challenges,
            "institutions": len(institutions), "enterprises": len(enterprises)}
