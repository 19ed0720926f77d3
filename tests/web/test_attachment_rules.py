"""Files of challenges, proposals and milestones change only while their owner may, and every change
is in the audit trail.

Regression (issue 10, "Input"): proposal attachments could be added after submission and after the
deadline with no audit entry; a challenge's files could change after award without a trace.
"""
import io
from datetime import timedelta

import pytest
from factories import make_challenge, make_poster_and_university, make_project, make_proposal

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Attachment, AuditEvent, ChallengeState, Milestone, ProjectState, ProposalState

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
S, P = ChallengeState, ProposalState


@pytest.fixture
def world(ctx):
    poster, uni = make_poster_and_university()
    db.session.commit()
    return {"poster": poster.id, "uni": uni.id}


def post_file(client, url, name="方案附件.pdf"):
    return client.post(url, data={"attachment": (io.BytesIO(PDF), name)}, content_type="multipart/form-data")


def files(owner_type: str, owner_id: int) -> list[str]:
    return list(db.session.scalars(db.select(Attachment.original_name).filter_by(owner_type=owner_type, owner_id=owner_id)))


def trail(subject_type: str, subject_id: int) -> list[tuple[str, str]]:
    return [(e.action, e.reason) for e in db.session.scalars(
        db.select(AuditEvent).filter_by(subject_type=subject_type, subject_id=subject_id).order_by(AuditEvent.id))]


# ----- proposals ----------------------------------------------------------------------------------

def _proposal(world, state, deadline_days=30):
    from marketplace.models import Organisation

    challenge = make_challenge(db.session.get(Organisation, world["poster"]), S.published,
                               deadline=clock.today() + timedelta(days=deadline_days))
    proposal = make_proposal(challenge, db.session.get(Organisation, world["uni"]), state)
    db.session.commit()
    return proposal.id


def test_a_draft_proposal_takes_files_and_each_is_recorded(client, auth, world):
    proposal_id = _proposal(world, P.draft)
    auth.login("poster@example.com")  # only the applicant adds files
    assert post_file(client, f"/proposals/{proposal_id}/attachments").status_code in (403, 404)
    client.post("/auth/logout")
    auth.login("uni@example.com")
    assert post_file(client, f"/proposals/{proposal_id}/attachments", "技术方案.pdf").status_code == 303
    assert files("proposal", proposal_id) == ["技术方案.pdf"]
    assert ("attachment_added", "技术方案.pdf") in trail("proposal", proposal_id)


@pytest.mark.parametrize("state", [P.submitted, P.shortlisted, P.selected, P.withdrawn])
def test_a_submitted_proposal_takes_no_more_files(client, auth, world, state):
    proposal_id = _proposal(world, state)
    auth.login("uni@example.com")
    response = post_file(client, f"/proposals/{proposal_id}/attachments")
    assert response.status_code == 409 and "附件随方案一同提交，不能再增删" in response.get_data(as_text=True)
    assert files("proposal", proposal_id) == [] and trail("proposal", proposal_id) == []


def test_no_proposal_files_after_the_deadline(client, auth, world):
    proposal_id = _proposal(world, P.draft, deadline_days=-1)
    auth.login("uni@example.com")
    response = post_file(client, f"/proposals/{proposal_id}/attachments")
    assert response.status_code == 409 and "截止，不能再增删方案附件" in response.get_data(as_text=True)
    assert files("proposal", proposal_id) == []


# ----- challenges ---------------------------------------------------------------------------------

def _challenge(world, state):
    from marketplace.models import Organisation

    challenge = make_challenge(db.session.get(Organisation, world["poster"]), state)
    db.session.add(Attachment(owner_type="challenge", owner_id=challenge.id, original_name="需求说明.pdf",
                              stored_name="0" * 32 + ".pdf", content_type="application/pdf", size=len(PDF),
                              sha256="0" * 64))
    db.session.commit()
    return challenge.id, db.session.scalar(db.select(Attachment.id).filter_by(owner_id=challenge.id))


def test_an_open_challenge_changes_files_on_the_record(client, auth, world):
    challenge_id, attachment_id = _challenge(world, S.published)
    auth.login("poster@example.com")
    assert post_file(client, f"/challenges/{challenge_id}/attachments", "补充说明.pdf").status_code == 303
    assert client.post(f"/challenges/{challenge_id}/attachments/{attachment_id}/delete").status_code == 303
    assert files("challenge", challenge_id) == ["补充说明.pdf"]
    assert trail("challenge", challenge_id) == [("attachment_added", "补充说明.pdf"), ("attachment_deleted", "需求说明.pdf")]
    assert "上传附件" in client.get(f"/challenges/{challenge_id}").get_data(as_text=True)


@pytest.mark.parametrize("state", [S.closed, S.awarded, S.failed, S.withdrawn])
def test_a_closed_challenge_keeps_its_files(client, auth, world, state):
    challenge_id, attachment_id = _challenge(world, state)
    auth.login("poster@example.com")
    response = post_file(client, f"/challenges/{challenge_id}/attachments")
    assert response.status_code == 409 and "附件作为记录保存，不能再增删" in response.get_data(as_text=True)
    response = client.post(f"/challenges/{challenge_id}/attachments/{attachment_id}/delete")
    assert response.status_code == 409
    assert files("challenge", challenge_id) == ["需求说明.pdf"] and trail("challenge", challenge_id) == []
    page = client.get(f"/challenges/{challenge_id}").get_data(as_text=True)
    assert f"/challenges/{challenge_id}/attachments/{attachment_id}/delete" not in page  # no button that would fail


# ----- milestones ---------------------------------------------------------------------------------

def test_milestone_evidence_files_are_recorded(client, auth, world):
    from marketplace.models import Organisation

    challenge = make_challenge(db.session.get(Organisation, world["poster"]), S.awarded)
    proposal = make_proposal(challenge, db.session.get(Organisation, world["uni"]), P.selected)
    project = make_project(proposal, [Milestone(seq=1, title="样机", due_date=clock.today() + timedelta(days=30))],
                           funding_wan=450, task_book="研制冷板。", state=ProjectState.in_progress)
    db.session.commit()
    milestone_id = project.milestones[0].id
    auth.login("uni@example.com")
    response = client.post(f"/projects/{project.id}/milestones/{milestone_id}/submit", content_type="multipart/form-data",
                           data={"evidence": "样机已交付。", "attachment": (io.BytesIO(PDF), "测试报告.pdf")})
    assert response.status_code == 303
    assert files("milestone", milestone_id) == ["测试报告.pdf"]
    # recorded where a trail is shown: the project's 处理记录, naming the milestone
    assert ("attachment_added", "样机：测试报告.pdf") in trail("project", project.id)
    assert "样机：测试报告.pdf" in client.get(f"/projects/{project.id}").get_data(as_text=True)
