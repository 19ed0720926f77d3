"""Public results (/results/): every project after 立项 with its progress and status, for anonymous readers."""
from datetime import timedelta

import pytest
from factories import make_challenge, make_org, make_poster_and_university, make_project, make_proposal
from pages import only, select, text_of

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    Achievement,
    ChallengeState,
    ConsortiumMember,
    MemberState,
    Milestone,
    MilestoneState,
    OrgType,
    ProjectState,
    ProposalState,
    Publicity,
    Visibility,
)


def _project(poster, title, state=ProjectState.approved, chain_code="ai", milestones=2, **challenge_fields):
    challenge = make_challenge(poster, ChallengeState.awarded, chain_code=chain_code, title=title, **challenge_fields)
    proposal = make_proposal(challenge, make_org(f"{title}承担方", type=OrgType.university), ProposalState.selected)
    return make_project(proposal, milestones=milestones, state=state)


def _row(page, title):
    rows = [r for r in select(page, "tbody tr") if title in r.text()]
    assert len(rows) == 1, f"{title} shown {len(rows)} times"
    return rows[0]


@pytest.fixture
def world(ctx):
    poster, _ = make_poster_and_university()
    today = clock.today()
    on_time = _project(poster, "按期项目榜单")
    on_time.milestones[0].state = MilestoneState.confirmed
    partner = make_org("联合体成员研究院", type=OrgType.university)
    db.session.add(ConsortiumMember(proposal=on_time.proposal, organisation=partner, state=MemberState.accepted))
    db.session.add(Publicity(challenge=on_time.challenge, text="拟承担单位公示", starts_on=today - timedelta(days=20),
                             ends_on=today - timedelta(days=13)))
    late = _project(poster, "滞后项目榜单", chain_code="compute", milestones=[
        Milestone(seq=1, title="样机", due_date=today - timedelta(days=1))])
    accepted = _project(poster, "验收项目榜单", state=ProjectState.accepted)
    db.session.add(Achievement(organisation_id=accepted.organisation_id, chain_id=accepted.challenge.chain_id,
                               challenge_id=accepted.challenge_id, project_id=accepted.id, title="验收项目成果"))
    _project(poster, "终止项目榜单", state=ProjectState.terminated)
    _project(poster, "邀请项目榜单", visibility=Visibility.invited)
    make_challenge(poster, ChallengeState.published, title="尚未立项榜单")
    db.session.commit()
    return {"on_time": on_time.id, "late": late.id, "accepted": accepted.id,
            "on_time_challenge": on_time.challenge_id, "achievement": db.session.scalar(db.select(Achievement.id))}


def test_anonymous_reads_every_project_after_approval_with_its_status(client, world):
    page = client.get("/results/")
    assert page.status_code == 200
    only(page, "div.table-responsive[role=region][tabindex='0'] table caption")
    assert "尚未立项榜单" not in page.text
    statuses = {title: text_of(_row(page, title), "td .badge") for title in
                ("按期项目榜单", "滞后项目榜单", "验收项目榜单", "终止项目榜单", "邀请项目榜单")}
    assert statuses == {"按期项目榜单": "按期", "滞后项目榜单": "滞后", "验收项目榜单": "验收通过",
                        "终止项目榜单": "终止", "邀请项目榜单": "按期"}
    row = _row(page, "按期项目榜单")
    assert "已确认 1 / 共 2 个里程碑" in row.text()
    assert "联合体成员研究院" in row.text() and "按期项目榜单承担方" in row.text()
    assert "450" in row.text()
    hrefs = [a.attributes["href"] for a in row.css("a")]
    assert f"/challenges/{world['on_time_challenge']}" in hrefs
    assert any(h.startswith("/publicity/") for h in hrefs)
    assert f"/achievements/{world['achievement']}" in [a.attributes["href"] for a in _row(page, "验收项目榜单").css("a")]
    assert "已确认 0 / 共 1 个里程碑" in _row(page, "滞后项目榜单").text()


def test_invited_only_challenge_is_named_not_linked(client, world):
    row = _row(client.get("/results/"), "邀请项目榜单")
    assert not any("/challenges/" in a.attributes["href"] for a in row.css("a"))
    assert "定向邀请榜单" in row.text()


def test_late_turns_on_time_when_its_milestone_is_confirmed(client, world):
    late = db.session.get(Milestone, db.session.scalar(db.select(Milestone.id).where(Milestone.project_id == world["late"])))
    late.state = MilestoneState.confirmed
    db.session.commit()
    assert text_of(_row(client.get("/results/"), "滞后项目榜单"), "td .badge") == "按期"


def test_filters_by_chain_and_status(client, world):
    page = client.get("/results/?chain=compute")
    assert [r.text() for r in select(page, "tbody tr") if "榜单" in r.text()] and "滞后项目榜单" in page.text
    assert "按期项目榜单" not in page.text
    late = client.get("/results/?status=late")
    assert "滞后项目榜单" in late.text and "按期项目榜单" not in late.text and "验收项目榜单" not in late.text
    on_time = client.get("/results/?status=on_schedule")
    assert "按期项目榜单" in on_time.text and "邀请项目榜单" in on_time.text and "滞后项目榜单" not in on_time.text
    assert "终止项目榜单" not in on_time.text
    done = client.get("/results/?status=accepted")
    assert "验收项目榜单" in done.text and "终止项目榜单" not in done.text
    assert "终止项目榜单" in client.get("/results/?status=terminated").text
    empty = client.get("/results/?chain=textile")
    assert empty.status_code == 200 and "没有符合筛选条件的项目。" in empty.text
    assert "按期项目榜单" in client.get("/results/?status=nonsense").text  # an unknown status filters nothing


def test_empty_state(client, ctx):
    page = client.get("/results/")
    assert page.status_code == 200 and "暂无立项项目。" in page.text


def test_twenty_a_page_newest_first(client, ctx):
    poster, _ = make_poster_and_university()
    for n in range(21):
        _project(poster, f"分页项目{n:02d}号")
    db.session.commit()
    first = client.get("/results/")
    assert len(select(first, "tbody tr")) == 20
    assert "分页项目20号" in first.text and "分页项目00号" not in first.text
    second = client.get("/results/?page=2")
    assert len(select(second, "tbody tr")) == 1 and "分页项目00号" in second.text
    assert "共 21 条，第 2 / 2 页" in second.text


def test_main_navigation_links_the_page(client, ctx):
    assert "/results/" in [a.attributes["href"] for a in select(client.get("/"), "nav a")]
