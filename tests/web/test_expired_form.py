"""A form sent back after its token expired: a plain page (no "CSRF"), the text kept to copy and to
send again with a fresh token, never a password; a JSON client gets problem details."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from factories import PASSWORD, make_org, make_user
from pages import only, select

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.chains import chain_by_code


@pytest.fixture
def form(ctx):
    make_user("owner@example.com", make_org("发榜企业"))
    db.session.commit()
    return {"title": "碳化硅衬底微管缺陷控制", "chain_id": str(chain_by_code("materials").id), "mode": "open_call",
            "background": "衬底依赖进口。\n第二段：良率不足六成。", "difficulty": "", "indicators": "",
            "expected_outcome": "", "budget_wan": "600", "deadline": (clock.today() + timedelta(days=40)).isoformat(),
            "period_months": "24", "conditions": "", "keywords": "碳化硅, 衬底", "ip_terms": "joint",
            "visibility": "public", "contact_name": "王工", "contact_phone": "027-88888888"}


@pytest.fixture
def stale_token(app, client):
    """A form token from a page opened now, with WTF_CSRF_TIME_LIMIT a minute; `later()` then moves
    the clock five minutes on, past it (not past the idle timeout)."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 60

    def make():
        return only(client.get("/auth/login"), 'meta[name="csrf-token"]').attributes["content"]

    return make


def later():
    return time_machine.travel(clock.utcnow() + timedelta(minutes=5), tick=False)


def test_an_expired_form_speaks_plainly_and_keeps_the_text(client, auth, form, stale_token):
    auth.login("owner@example.com")
    token = stale_token()
    with later():
        response = client.post("/challenges/new", data=form | {"csrf_token": token}, csrf=False,
                               headers={"Referer": "http://localhost/challenges/new"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "CSRF" not in html and "csrf" not in html.replace('name="csrf_token"', "").replace('name="csrf-token"', "")
    assert "页面已过期" in html and "打开的时间太长" in html
    kept = [node.text() for node in select(html, "textarea[data-kept-input]")]
    assert "碳化硅衬底微管缺陷控制" in kept and "衬底依赖进口。\n第二段：良率不足六成。" in kept
    assert "open_call" not in kept and "600" not in kept  # choices and numbers: carried along, not shown to copy
    labels = [node.text() for node in select(html, "label[for^=kept-]")]
    assert labels[:2] == ["榜单名称", "需求背景"]  # the form's own labels, not the fields' names
    resend = only(html, 'form[action="/challenges/new"]')
    assert resend.css_first("button").text() == "重新提交"
    assert only(html, 'a[href="/challenges/new"]').text() == "返回原页面"
    fields = {node.attributes["name"]: node.attributes["value"] for node in resend.css('input[type="hidden"]')}
    assert fields["title"] == "碳化硅衬底微管缺陷控制" and fields["background"] == form["background"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Challenge)) == 0

    with later():
        again = client.post("/challenges/new", data=fields, csrf=False)  # the fresh token in the page is good
    assert again.status_code == 302
    assert db.session.scalar(db.select(Challenge.title)) == "碳化硅衬底微管缺陷控制"


def test_a_password_is_never_echoed_back(client, user, stale_token):
    data = {"email": "user@example.com", "password": PASSWORD, "csrf_token": stale_token()}
    with later():
        response = client.post("/auth/login", data=data, csrf=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "CSRF" not in html
    assert PASSWORD not in html and "密码不会保留" in html
    assert "user@example.com" in [node.text() for node in select(html, "textarea[data-kept-input]")]
    assert not select(html, "form[data-no-unsaved-warning] button")  # without the password, sending again is useless
    assert not client.logged_in()


def test_logged_out_the_page_says_so_and_links_to_login(client, form, stale_token):
    token = stale_token()
    with later():
        response = client.post("/challenges/new", data=form | {"csrf_token": token}, csrf=False,
                               headers={"Referer": "http://localhost/challenges/new"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "您目前没有登录" in html
    assert only(html, "a.btn-primary").attributes["href"] == "/auth/login?next=/challenges/new"
    assert "碳化硅衬底微管缺陷控制" in html and not select(html, "form[data-no-unsaved-warning]")


def test_a_file_cannot_be_kept_so_the_page_says_so(client, auth, user, stale_token):
    from io import BytesIO

    auth.login("user@example.com")
    token = stale_token()
    with later():
        response = client.post("/orgs/mine/documents", data={"csrf_token": token, "kind": "license",
                                                              "file": (BytesIO(b"%PDF-1.4"), "营业执照.pdf")},
                               csrf=False, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "上传的文件无法保留" in html
    assert not select(html, "form[data-no-unsaved-warning]")


def test_a_json_client_gets_problem_details(client, auth, user):
    auth.login("user@example.com")
    response = client.post("/inbox/read-all", headers={"Accept": "application/json"}, csrf=False)
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert "页面已过期" in response.json["detail"] and "CSRF" not in response.json["detail"]
