"""Pages speak to people, not to a shell: no command lines (`flask …`, `make …`, `pip …`, `python …`,
`--app`) in any template or on any page a platform admin or a guest can open. What used to be a command
(exporting the recommendation feedback) is a download on the page."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from factories import make_chain_admin, make_challenge, make_expert, make_org, make_platform_admin
from pages import text_of

import marketplace
from marketplace.extensions import db

TEMPLATES = Path(marketplace.__file__).parent / "templates"
COMMAND = re.compile(r"(?<![\w-])(?:flask|make|pip3?|python3?)\s+[-\w]|--app\b")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def test_the_pattern_catches_commands_and_nothing_else():
    assert COMMAND.search("运行 flask --app marketplace export-feedback 目录")
    assert COMMAND.search("请执行 make install") and COMMAND.search("pip install x") and COMMAND.search("python -m x")
    assert not COMMAND.search("下载推荐评价数据（zip）") and not COMMAND.search("Flask 应用")


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_no_template_shows_a_command(template):
    source = JINJA_COMMENT.sub("", (TEMPLATES / template).read_text(encoding="utf-8"))
    assert not COMMAND.search(source), COMMAND.search(source).group(0)


def _pages(app) -> list[str]:
    """Every GET page without parameters, and a few with the demo's objects."""
    plain = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static"))
    return plain + ["/chains/ai", "/admin/chains/ai", "/admin/chains/ai?expert_q=专家&lead_q=企业"]


@pytest.fixture
def world(ctx):
    make_platform_admin("root@example.com")
    make_chain_admin("chain-ai@example.com", "ai")
    make_expert("e@example.com")
    make_challenge(make_org("某发榜企业"))
    db.session.commit()


@pytest.mark.parametrize("who", [None, "root@example.com", "chain-ai@example.com"])
def test_no_page_shows_a_command(app, client, auth, world, who):
    if who:
        auth.login(who)
    checked = 0
    for path in _pages(app):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked += 1
        text = text_of(response)
        assert not COMMAND.search(text), (path, COMMAND.search(text).group(0))
    assert checked >= 10


def test_the_feedback_export_is_a_download_for_platform_admins(client, auth, world):
    auth.login("root@example.com")
    html = client.get("/recommendations/report").get_data(as_text=True)
    assert "下载推荐评价数据" in text_of(html) and "/recommendations/report/feedback.zip" in html
    response = client.get("/recommendations/report/feedback.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == ["feedback/corpus.jsonl", "feedback/qrels.tsv", "feedback/queries.jsonl"]
        assert archive.read("feedback/qrels.tsv").decode().startswith("query-id\tcorpus-id\tscore")
    auth.logout()
    auth.login("chain-ai@example.com")  # sees its chain's report, not every chain's judged texts
    assert "feedback.zip" not in client.get("/recommendations/report").get_data(as_text=True)
    assert client.get("/recommendations/report/feedback.zip").status_code == 403
