"""The printable official documents (公示, 评审意见汇总, 立项通知书, 验收意见): real PDFs, read back with
poppler-utils (pdftotext, pdffonts, pdfinfo): A4, the key fields, the page numbers, the CJK font
embedded; and given only to those who may see the page they print, once what they record has happened."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_org_with_user,
    make_poster_and_university,
    make_project,
    make_proposal,
)

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import (
    ChallengeState,
    ConsortiumMember,
    MemberState,
    Milestone,
    MilestoneState,
    OrgType,
    ProjectState,
    ProposalState,
    Publicity,
    Review,
    ReviewState,
)
from marketplace.services.chains import chain_by_code

TODAY = clock.today()
TITLE = "高效液冷冷板散热系统研制"
EXPERTS = ("欧阳明远", "司马青岚", "诸葛云舟")  # names that must never reach the anonymised summary
EXPERT_ORGS = ("江城材料研究院", "汉水工业大学", "襄阳光电研究所")


def _tools() -> None:
    """pdftotext/pdffonts/pdfinfo and the Noto CJK fonts: skipped on a developer's machine without
    them (saying what to install), a failure on CI (.ci/run installs them)."""
    missing = [tool for tool in ("pdftotext", "pdffonts", "pdfinfo") if shutil.which(tool) is None]
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    problems = ([f"{', '.join(missing)} missing: `apt-get install -y poppler-utils`"] if missing else []) + \
        ([] if "Noto Serif CJK SC" in fonts and "Noto Sans CJK SC" in fonts
         else ["the Noto CJK fonts are missing: `apt-get install -y fonts-noto-cjk`"])
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi: an OSError without it)
    except OSError as error:
        problems.append(f"WeasyPrint cannot load Pango ({error}): `apt-get install -y libpango-1.0-0`")
    if problems:
        message = "to check the printable PDFs: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message)  # on CI a missing tool is a broken build, not a skip
        pytest.skip(message)


@pytest.fixture
def pdf_tools():
    _tools()


def read_pdf(tmp_path, data: bytes) -> tuple[str, str, str]:
    """(text, fonts, info) of a PDF; the text with white space removed, as CJK line breaks fall anywhere."""
    path = tmp_path / f"doc-{time.perf_counter_ns()}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text), fonts, info


def assert_printable(info: str, fonts: str, text: str, pages: int | None = None) -> None:
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and (round(float(size[1]), 2), round(float(size[2]), 2)) == (595.28, 841.89), info  # A4
    cjk = [line.split() for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(row[-5] == "yes" for row in cjk), fonts  # emb = yes for every CJK font
    assert "湖北省产业链揭榜挂帅平台" in text
    count = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert all(f"第{n}页/共{count}页" in text for n in range(1, count + 1)) and f"生成日期：{TODAY}" in text
    if pages is not None:
        assert count == pages


def signed(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def world(ctx):
    """A closed challenge with two proposals scored by two named experts, its 公示, and two projects:
    one just approved (a consortium), one accepted after checking its indicators."""
    poster, uni = make_poster_and_university()
    chain_by_code("ai").lead_department = "省经济和信息化厅"
    make_chain_admin("chain-ai@example.com", "ai")
    make_chain_admin("chain-tx@example.com", "textile")
    make_org_with_user("rival@example.com", "另一家企业")
    partner = make_org_with_user("partner@example.com", "联合研究院", type=OrgType.institute)
    challenge = make_challenge(poster, ChallengeState.closed, title=TITLE)
    chosen = make_proposal(challenge, uni, ProposalState.selected, price_wan=Decimal("450"))
    db.session.add(ConsortiumMember(proposal=chosen, organisation=partner, role="样机测试", state=MemberState.accepted))
    other = make_proposal(challenge, make_org("楚天研究所", type=OrgType.institute), ProposalState.submitted)
    experts = [make_expert(f"expert{i}@example.com", org=make_org(name, type=OrgType.university))
               for i, name in enumerate(EXPERT_ORGS)]
    for expert, name in zip(experts, EXPERTS):
        expert.name = name
    comments = {chosen.id: ["方案可行，团队实力强。", f"同意。{EXPERTS[1]}（{EXPERT_ORGS[1]}）；{EXPERTS[2]}已回避。"],
                other.id: ["指标论证不足。", "经费偏高。"]}
    for proposal, total in ((chosen, 88.5), (other, 71.0)):
        for i, expert in enumerate(experts[:2]):
            db.session.add(Review(proposal=proposal, expert=expert, state=ReviewState.submitted, total=total + i,
                                  scores={"技术先进性": total + i}, comment=comments[proposal.id][i],
                                  submitted_at=clock.utcnow()))
    db.session.add(Review(proposal=chosen, expert=experts[2], state=ReviewState.recused,
                          recusal_reason=f"与{EXPERT_ORGS[2]}有合作"))
    notice = Publicity(challenge=challenge, text=f"经专家评审，拟由华楚理工大学承担“{TITLE}”攻关任务，现予公示。",
                       starts_on=TODAY, ends_on=TODAY + timedelta(days=7))
    db.session.add(notice)
    # An unscored challenge of the same chain: no summary yet.
    unscored = make_challenge(poster, ChallengeState.closed, title="无评分的榜单")
    make_proposal(unscored, make_org("江汉大学", type=OrgType.university))
    # The approved project (立项), and an accepted one on another listing of the university.
    approved = make_project(chosen, milestones=2, funding_wan=Decimal("430.5"), task_book="研制冷板与CDU，完成样机两套。")
    approved.proposal.state = ProposalState.approved
    done = make_project(make_proposal(make_challenge(poster, ChallengeState.awarded, title="高导热界面材料开发"), uni),
                        milestones=[Milestone(seq=1, title="样机交付", due_date=TODAY, state=MilestoneState.confirmed)],
                        state=ProjectState.accepted, acceptance_note="各项指标均已达到，同意通过验收。",
                        acceptance_checks=[{"indicator": "热阻 ≤ 0.03 ℃·cm²/W", "met": True, "note": "实测 0.026"},
                                           {"indicator": "PUE ≤ 1.15", "met": True, "note": ""}],
                        ended_at=clock.utcnow())
    db.session.commit()
    return {"challenge": challenge.id, "unscored": unscored.id, "notice": notice.id, "approved": approved.id,
            "accepted": done.id}


def _get(client, auth, email, url):
    auth.logout()
    if email:
        auth.login(email)
    return client.get(url)


def test_the_publicity_notice_is_public_and_names_the_chosen_ones(client, world, tmp_path, pdf_tools):
    started = time.perf_counter()
    response = client.get(f"/publicity/{world['notice']}/notice.pdf")
    seconds = time.perf_counter() - started
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == (f'attachment; filename="publicity-{world["notice"]}.pdf"; '
                           f"filename*=UTF-8''{quote(f'遴选结果公示-{TITLE}.pdf')}")
    text, fonts, info = read_pdf(tmp_path, response.data)
    assert_printable(info, fonts, text, pages=1)
    for words in ("揭榜挂帅项目遴选结果公示", TITLE, "发榜企业", "华楚理工大学", "联合研究院",
                  f"{TODAY}至{TODAY + timedelta(days=7)}", "省经济和信息化厅", signed(TODAY), f"GS-{TODAY.year}-"):
        assert words in text, words
    assert "楚天研究所" not in text  # not chosen
    assert "450" not in text and "500" not in text  # no price or 榜额 in a public notice (the page shows none)
    assert seconds < 10, f"one PDF took {seconds:.1f} s"


def test_the_review_summary_is_anonymous_and_for_the_lead_department_only(client, auth, world, tmp_path, pdf_tools):
    url = f"/challenges/{world['challenge']}/review-summary.pdf"
    for email in ("chain-ai@example.com", "root@example.com"):
        if email == "root@example.com":
            from factories import make_platform_admin
            make_platform_admin()
            db.session.commit()
        response = _get(client, auth, email, url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text, fonts, info = read_pdf(tmp_path, response.data)
    assert_printable(info, fonts, text)
    for words in ("专家评审意见汇总表", TITLE, "华楚理工大学", "楚天研究所", "专家1", "专家2", "88.50", "89.50",
                  "方案可行，团队实力强。", "指标论证不足。", "经费偏高。", "同意。专家2（某单位）；其他专家已回避。"):
        assert words in text, words
    for secret in EXPERTS + EXPERT_ORGS:
        assert secret not in text, secret
    assert text.index("华楚理工大学") < text.index("楚天研究所")  # best mean first
    # The poster, the applicant, an expert and another chain's department may not; a guest is sent to log in.
    for email in ("poster@example.com", "uni@example.com", "expert0@example.com", "chain-tx@example.com"):
        refused = _get(client, auth, email, url)
        assert refused.status_code == 403 and refused.mimetype == "text/html", email
        assert "评审意见汇总仅限本链牵头部门与平台管理员下载" in refused.get_data(as_text=True)
    assert _get(client, auth, None, url).status_code == 302
    unscored = _get(client, auth, "chain-ai@example.com", f"/challenges/{world['unscored']}/review-summary.pdf")
    assert unscored.status_code == 409 and "尚无专家提交评审意见" in unscored.get_data(as_text=True)


def test_the_approval_notice_goes_to_the_project_parties(client, auth, world, tmp_path, pdf_tools):
    url = f"/projects/{world['approved']}/approval-notice.pdf"
    for email in ("uni@example.com", "partner@example.com", "poster@example.com", "chain-ai@example.com"):
        response = _get(client, auth, email, url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", email
    assert quote(f"立项通知书-{TITLE}.pdf") in response.headers["Content-Disposition"]
    text, fonts, info = read_pdf(tmp_path, response.data)
    assert_printable(info, fonts, text)
    for words in ("揭榜挂帅项目立项通知书", TITLE, "华楚理工大学", "联合研究院", "样机测试", "发榜企业", "430.5万元",
                  f"{TODAY}至{TODAY + timedelta(days=700)}", "研制冷板与CDU，完成样机两套。", "里程碑1", "里程碑2",
                  "省经济和信息化厅", signed(TODAY), f"LX-{TODAY.year}-"):
        assert words in text, words
    for email in ("rival@example.com", "chain-tx@example.com", "expert0@example.com"):
        refused = _get(client, auth, email, url)
        assert refused.status_code == 404 and "application/pdf" not in refused.content_type, email
    assert _get(client, auth, None, url).status_code == 302


def test_the_acceptance_opinion_exists_only_after_acceptance(client, auth, world, tmp_path, pdf_tools):
    url = f"/projects/{world['accepted']}/acceptance-opinion.pdf"
    response = _get(client, auth, "uni@example.com", url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert quote("验收意见-高导热界面材料开发.pdf") in response.headers["Content-Disposition"]
    text, fonts, info = read_pdf(tmp_path, response.data)
    assert_printable(info, fonts, text)
    for words in ("揭榜挂帅项目验收意见", "高导热界面材料开发", "华楚理工大学", "发榜企业", "450万元", "热阻≤0.03",
                  "实测0.026", "PUE≤1.15", "验收通过", "各项指标均已达到，同意通过验收。", "1/1个已确认完成",
                  signed(TODAY), f"YS-{TODAY.year}-"):
        assert words in text, words
    assert "验收不通过" not in text
    not_yet = _get(client, auth, "uni@example.com", f"/projects/{world['approved']}/acceptance-opinion.pdf")
    assert not_yet.status_code == 409 and "尚未组织验收" in not_yet.get_data(as_text=True)
    assert _get(client, auth, "rival@example.com", url).status_code == 404


def test_the_source_pages_link_the_pdfs_for_those_who_may_have_them(client, auth, world):
    summary = f"/challenges/{world['challenge']}/review-summary.pdf"
    assert summary in _get(client, auth, "chain-ai@example.com", f"/challenges/{world['challenge']}/evaluation").get_data(as_text=True)
    notice = f"/publicity/{world['notice']}/notice.pdf"
    assert notice in _get(client, auth, None, f"/publicity/{world['notice']}").get_data(as_text=True)
    approved = _get(client, auth, "uni@example.com", f"/projects/{world['approved']}").get_data(as_text=True)
    assert f"/projects/{world['approved']}/approval-notice.pdf" in approved
    assert "acceptance-opinion.pdf" not in approved  # not accepted yet
    accepted = _get(client, auth, "poster@example.com", f"/projects/{world['accepted']}").get_data(as_text=True)
    assert f"/projects/{world['accepted']}/acceptance-opinion.pdf" in accepted


def test_a_document_loads_nothing_but_the_package_static_files(app):
    from marketplace.documents.pdf import STATIC, OutsideStatic, static_file

    assert static_file((STATIC / "css" / "print-a4.css").as_uri()) == STATIC / "css" / "print-a4.css"
    for url in ("http://example.com/x.css", "https://cdn.example.com/font.woff2", "file:///etc/passwd",
                (STATIC / ".." / "__init__.py").as_uri(), f"file://evil.example{STATIC}/css/print-a4.css",
                (STATIC / "css" / "missing.css").as_uri()):
        with pytest.raises(OutsideStatic):
            static_file(url)
