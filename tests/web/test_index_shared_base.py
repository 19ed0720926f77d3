"""A worker keeps answering, and sees every change, while another process (a real one) saves a new base
of the match index — the matcher file and the metadata columns every worker maps — and deletes the old
columns; a worker starting afterwards loads the new base and replays only the changes made since."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from factories import make_challenge, make_org

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Capability, Chain, ChallengeState, IndexChange, ListingStatus, OrgType
from marketplace.services import match_index
from marketplace.services.chains import chain_by_code
from marketplace.services.recommend.audience import listings_for_challenge

ROOT = Path(__file__).resolve().parents[2]

SECOND_PROCESS = """
import json, sys
from marketplace import create_app
from marketplace.services.match_index import LiveIndex, live_index
app = create_app({config})
with app.app_context():
    if sys.argv[1] == "save":
        index = live_index(app.instance_path)
        getattr(index, sys.argv[2])()
        print(json.dumps({{"watermark": index.watermark}}))
    else:  # a worker starting now
        index = LiveIndex(app.instance_path + "/index")
        assert index._load()
        loaded_at = index.watermark
        replayed = index.catch_up()
        print(json.dumps({{"loaded_at": loaded_at, "replayed": replayed, "docs": sorted(index.meta)}}))
"""


def _second_process(app, *args) -> dict:
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x",
              "INSTANCE_PATH": app.instance_path}
    done = subprocess.run([sys.executable, "-c", SECOND_PROCESS.format(config=repr(config)), *args], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _capability(org, title: str) -> Capability:
    cap = Capability(organisation=org, chains=[db.session.get(Chain, chain_by_code("ai").id)], title=title,
                     description=f"{title} 液冷 冷板 散热", direction="", keywords="")
    db.session.add(cap)
    return cap


def _caught_up(index):
    db.session.commit()  # end the test's transaction: the next read sees what others committed
    index.catch_up()
    return index


def _found(index, challenge) -> set[str]:
    """What this worker recommends for the challenge: the metadata columns and the matcher, both read."""
    allowed = listings_for_challenge(index, challenge, None, "", "")
    return {hit.id for hit in index.search("液冷 冷板 散热", k=20, allowed=allowed, min_match=0.0)}


@pytest.mark.parametrize("save", ["snapshot", "build"])
def test_a_worker_keeps_answering_while_another_process_saves_a_new_base(app, ctx, save):
    lab = make_org("共享索引研究院", type=OrgType.institute)
    kept, archived = _capability(lab, "液冷冷板甲"), _capability(lab, "液冷冷板乙")
    challenge = make_challenge(make_org("共享索引企业"), ChallengeState.published, title="液冷冷板散热",
                               keywords="液冷, 冷板")
    db.session.commit()
    index = match_index.live_index(app.instance_path)
    before = _capability(lab, "保存之前的液冷冷板")  # in this worker's write segment and overlay only
    _caught_up(index)
    assert _found(index, challenge) == {f"cap:{kept.id}", f"cap:{archived.id}", f"cap:{before.id}"}
    old_columns = index.folder / json.loads(index.meta_path.read_text())["meta"]["folder"]
    # Old enough to be pruned by the save: the new base must stand on its own.
    db.session.execute(db.update(IndexChange).values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()

    saved_at = _second_process(app, "save", save)["watermark"]

    assert not old_columns.exists()  # deleted by the other process while this one still maps it
    assert _found(index, challenge) == {f"cap:{kept.id}", f"cap:{archived.id}", f"cap:{before.id}"}
    db.session.get(Capability, archived.id).status = ListingStatus.archived
    after = _capability(lab, "保存之后的液冷冷板")
    _caught_up(index)
    assert _found(index, challenge) == {f"cap:{kept.id}", f"cap:{before.id}", f"cap:{after.id}"}

    starting = _second_process(app, "start")
    assert starting["loaded_at"] == saved_at
    assert starting["replayed"] == 2  # the two listings changed since the save, nothing older
    assert {f"cap:{kept.id}", f"cap:{before.id}", f"cap:{after.id}"} <= set(starting["docs"])
    assert f"cap:{archived.id}" not in starting["docs"]
    assert set(starting["docs"]) == set(index.meta)
