"""Help and consent: the help pages and the footer, the 用户协议 / 隐私政策 box on every path that
creates an account, the record of each acceptance, and the page that asks again after a new version."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from factories import make_user
from pages import error_summary, first, form_values, link_path, links, parse, select

from marketplace.extensions import db
from marketplace.models import Consent, Invitation, OrgRole, User
from marketplace.services import accounts

HELP_PAGES = ["/help/", "/help/faq", "/help/terms", "/help/privacy", "/help/guide/enterprise",
              "/help/guide/institution", "/help/guide/expert", "/help/guide/chain-admin",
              "/help/guide/platform-admin"]
REFUSAL = "请阅读并勾选"
NEW_VERSION = "2027-03-01"


def soon() -> datetime:
    """A moment a few minutes ahead: within the session's and the CSRF token's lifetimes."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)


def consents(email: str) -> list[Consent]:
    db.session.commit()  # a fresh transaction: see what the requests committed
    user = db.session.scalar(db.select(User).filter_by(email=email))
    return list(db.session.scalars(db.select(Consent).filter_by(user_id=user.id).order_by(Consent.id)))


@pytest.mark.parametrize("path", HELP_PAGES)
def test_every_help_page_is_open_to_guests(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "技术支持" in response.get_data(as_text=True)


def test_an_unknown_guide_is_a_404(client):
    assert client.get("/help/guide/nobody").status_code == 404


def test_every_page_has_the_help_links_and_the_support_contact_in_its_footer(app, client, user, auth):
    app.config.update(SUPPORT_EMAIL="help@hubei.example.gov.cn", SUPPORT_PHONE="027-1234 5678")
    for path in ("/", "/challenges/", "/auth/login"):
        page = client.get(path)
        assert links(page, "footer a") == ["/help/", "/help/faq", "/help/terms", "/help/privacy",
                                           "mailto:help@hubei.example.gov.cn"]
        assert "027-1234 5678" in first(page, "footer").text()
    auth.login("user@example.com")
    assert "/help/privacy" in links(client.get("/dashboard"), "footer a")


def test_the_policies_show_their_versions_from_the_config(app, client):
    app.config.update(TERMS_VERSION="2030-01-02", PRIVACY_VERSION="2030-03-04")
    assert "2030-01-02 版" in client.get("/help/terms").get_data(as_text=True)
    assert "2030-03-04 版" in client.get("/help/privacy").get_data(as_text=True)


def test_every_guide_has_screenshots_that_exist_with_alt_text(client):
    for path in HELP_PAGES:
        images = select(client.get(path), "img")
        if path.startswith("/help/guide/"):
            assert images, f"{path} has no screenshot"
        for image in images:
            assert (image.attributes.get("alt") or "").strip(), f"an image of {path} has no alt text"
            source = image.attributes["src"]
            response = client.get(source)
            assert response.status_code == 200 and response.content_length > 1000, f"{source} of {path} is missing"
            response.close()


# ----- registration and invitations ---------------------------------------------------------------

def registration_form(**overrides):
    from factories import credit_code

    data = {"name": "武汉新芯材料科技有限公司", "org_type": "enterprise", "credit_code": credit_code(900001),
            "region": "武汉市", "contact_name": "王磊", "contact_phone": "027-87654321", "user_name": "王磊",
            "email": "wanglei@example.com", "accept_terms": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_registration_is_refused_without_consent_and_keeps_the_form(client, ctx, outbox):
    response = client.post("/auth/register", data=registration_form(accept_terms=None))
    assert response.status_code == 400
    assert REFUSAL in error_summary(response).get("#accept_terms", "")
    values = form_values(response, "main form")
    assert values["name"] == "武汉新芯材料科技有限公司" and values["email"] == "wanglei@example.com"
    assert outbox == []  # no mail, nothing stored


def test_the_consent_box_links_to_both_texts(client):
    page = client.get("/auth/register")
    box = first(page, "input#accept_terms")
    assert box is not None and box.attributes.get("type") == "checkbox"
    label = first(page, "label[for=accept_terms]")
    assert "我已阅读并同意" in label.text()
    assert [a.attributes["href"] for a in label.css("a")] == ["/help/terms", "/help/privacy"]


def test_registration_records_the_versions_accepted_and_when(app, client, ctx, outbox):
    ticked_at = datetime(2026, 12, 5, 2, 30, tzinfo=UTC)
    with time_machine.travel(ticked_at, tick=False):
        client.post("/auth/register", data=registration_form())
    path = link_path(outbox[-1], "/auth/register/confirm/")
    with time_machine.travel(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), tick=False):
        page = client.get(path).get_data(as_text=True)
        assert f"{app.config['TERMS_VERSION']} 版" in page  # the confirm page says what was accepted
        response = client.post(path, data={"password": "secret-pass-1", "confirm": "secret-pass-1"})
        assert response.status_code == 302
        assert client.get("/orgs/mine").status_code == 200  # not asked again
    [consent] = consents("wanglei@example.com")
    assert (consent.terms_version, consent.privacy_version) == (app.config["TERMS_VERSION"], app.config["PRIVACY_VERSION"])
    assert consent.accepted_at == ticked_at and consent.via == "register"


@pytest.fixture
def invitation_path(ctx, user):
    _, token = accounts.invite_member(user, user.organisation, "new@example.com", OrgRole.member)
    db.session.commit()
    return f"/auth/invitation/{token}"


def test_an_invitation_is_refused_without_consent_and_recorded_with_it(app, client, invitation_path):
    data = {"name": "新成员", "password": "pass-word-1", "confirm": "pass-word-1"}
    response = client.post(invitation_path, data=data)
    assert response.status_code == 400 and REFUSAL in error_summary(response).get("#accept_terms", "")
    assert form_values(response, "main form")["name"] == "新成员"
    assert db.session.scalar(db.select(User).filter_by(email="new@example.com")) is None
    moment = soon()
    with time_machine.travel(moment, tick=False):
        assert client.post(invitation_path, data=data | {"accept_terms": "y"}).status_code == 302
    [consent] = consents("new@example.com")
    assert consent.via == "invitation" and consent.accepted_at == moment
    assert consent.terms_version == app.config["TERMS_VERSION"]
    assert db.session.scalar(db.select(Invitation)).accepted_at is not None


def test_the_invitation_service_refuses_without_consent(ctx, user):
    from marketplace.services.errors import ServiceError

    invitation, _ = accounts.invite_member(user, user.organisation, "other@example.com", OrgRole.member)
    with pytest.raises(ServiceError, match=REFUSAL):
        accounts.accept_invitation(invitation, "某人", "pass-word-1", accepted_terms=False)


# ----- a new version -------------------------------------------------------------------------------

def test_a_new_version_is_asked_for_before_any_other_page_and_recorded(app, client, auth, user):
    auth.login("user@example.com")
    assert client.get("/dashboard").status_code == 200
    app.config["PRIVACY_VERSION"] = NEW_VERSION
    response = client.get("/challenges/mine?page=1")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/help/consent" and parse_qs(location.query) == {"next": ["/challenges/mine?page=1"]}
    page = client.get("/help/consent?next=/challenges/mine")
    assert page.status_code == 200 and f"{NEW_VERSION} 版" in page.get_data(as_text=True)
    # A form posted meanwhile is not carried out.
    before = db.session.scalar(db.select(db.func.count()).select_from(Invitation))
    response = client.post("/orgs/mine/members", data={"email": "x@example.com", "role": "member"})
    assert response.status_code == 303 and response.headers["Location"] == "/help/consent"
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == before
    # Unticked: refused, in Chinese.
    response = client.post("/help/consent", data={"next": "/challenges/mine"})
    assert response.status_code == 400 and REFUSAL in response.get_data(as_text=True)
    assert len(consents("user@example.com")) == 1
    moment = soon()
    with time_machine.travel(moment, tick=False):  # (the session lives on in the travelled time)
        response = client.post("/help/consent", data={"next": "/challenges/mine", "accept_terms": "y"})
        assert response.status_code == 303 and response.headers["Location"] == "/challenges/mine"
        first_consent, renewal = consents("user@example.com")
        assert (renewal.terms_version, renewal.privacy_version) == (app.config["TERMS_VERSION"], NEW_VERSION)
        assert renewal.via == "renewal" and renewal.accepted_at == moment
        assert first_consent.privacy_version != NEW_VERSION  # the history is kept
        after = client.get("/challenges/mine")
        assert after.status_code == 200, after.headers.get("Location")
        # Accepting again (another tab, a double click) records nothing more.
        assert client.post("/help/consent", data={"accept_terms": "y"}).status_code == 303
        assert len(consents("user@example.com")) == 2


def test_a_user_who_owes_consent_may_still_read_help_and_log_out(app, client, auth, user):
    auth.login("user@example.com")
    app.config["TERMS_VERSION"] = NEW_VERSION
    assert client.get("/dashboard").status_code == 303
    for path in ("/help/", "/help/faq", "/help/terms", "/help/privacy", "/help/guide/expert", "/healthz"):
        assert client.get(path).status_code == 200, path
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/dashboard").status_code == 302  # logged out: the login page, not the consent page
    assert len(consents("user@example.com")) == 1


def test_an_account_with_no_consent_is_asked_at_login(client, auth, ctx):
    make_user("old@example.com", consented=False)  # an account from before consent was recorded, or create-admin
    db.session.commit()
    response = auth.login("old@example.com")
    assert response.status_code == 302
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 303 and landing.headers["Location"].startswith("/help/consent")
    page = client.get(landing.headers["Location"])
    assert "上次同意" not in page.get_data(as_text=True)
    assert "退出登录" in parse(page).css_first("main").text()


def test_a_json_client_that_owes_consent_gets_a_403_problem(app, client, auth, user):
    auth.login("user@example.com")
    app.config["TERMS_VERSION"] = NEW_VERSION
    response = client.get("/dashboard", headers={"Accept": "application/json"})
    assert response.status_code == 403 and "用户协议" in response.get_json()["detail"]
