"""Issue 12: an objection's answer reaches the objector, and the 公示 page shows each objector their own objection."""
from datetime import timedelta

import pytest
from factories import make_chain_admin, make_challenge, make_org_with_user, make_poster_and_university, make_proposal
from pages import texts

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import ChallengeState, Notification, Objection, ProposalState, Publicity, User

OBJECTION = "对报价构成有疑问，请核实设备费用明细是否合理。"
ANSWER = "经核实，设备费用明细合理，已补充说明。"


@pytest.fixture
def notice(ctx):
    poster, uni = make_poster_and_university()
    make_chain_admin("chain-ai@example.com", "ai")
    make_org_with_user("other@example.com", "另一家企业")
    challenge = make_challenge(poster, ChallengeState.closed)
    make_proposal(challenge, uni, state=ProposalState.selected)
    notice = Publicity(challenge_id=challenge.id, text="拟由下列单位承担。", starts_on=clock.today(),
                       ends_on=clock.today() + timedelta(days=7))
    db.session.add(notice)
    db.session.commit()
    return notice.id


def _object(app, notice_id):
    objector = app.test_client()
    objector.post("/auth/login", data={"email": "uni@example.com", "password": "password-123"})
    assert objector.post(f"/publicity/{notice_id}/objections", data={"text": OBJECTION}).status_code == 303
    return objector, db.session.scalar(db.select(Objection))


def test_the_objector_is_told_the_answer_in_the_inbox_and_by_mail(app, client, auth, notice, outbox):
    _, objection = _object(app, notice)
    uni = db.session.scalar(db.select(User).filter_by(email="uni@example.com"))
    outbox.clear()
    auth.login("chain-ai@example.com")
    assert client.post(f"/objections/{objection.id}/respond", data={"response": ANSWER}).status_code == 303
    told = db.session.scalars(db.select(Notification).filter_by(user_id=uni.id, category="publicity")).all()
    assert len(told) == 1 and ANSWER in told[0].body and told[0].url == f"/publicity/{notice}"
    mails = [m for m in outbox if m.to == "uni@example.com"]
    assert len(mails) == 1 and ANSWER in mails[0].body


def test_the_notice_shows_the_objector_their_objection_and_its_answer_and_no_one_else(app, client, auth, notice):
    objector, objection = _object(app, notice)
    page = objector.get(f"/publicity/{notice}").get_data(as_text=True)
    assert OBJECTION in " ".join(texts(page, "#my-objections")) and "待答复" in page
    manager = app.test_client()
    manager.post("/auth/login", data={"email": "chain-ai@example.com", "password": "password-123"})
    manager.post(f"/objections/{objection.id}/respond", data={"response": ANSWER})
    mine = " ".join(texts(objector.get(f"/publicity/{notice}").get_data(as_text=True), "#my-objections"))
    assert OBJECTION in mine and ANSWER in mine
    anonymous = client.get(f"/publicity/{notice}").get_data(as_text=True)
    assert OBJECTION not in anonymous and ANSWER not in anonymous
    auth.login("other@example.com")
    other = client.get(f"/publicity/{notice}").get_data(as_text=True)
    assert OBJECTION not in other and ANSWER not in other
