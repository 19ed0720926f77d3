"""The year-end chain report (page, .docx, .xlsx, the office's zip): who may have it, and that its numbers
are the statistics figures (services/stats/figures.py) for the same chain and year."""
from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import docx
import openpyxl
import pytest
import time_machine
from factories import make_challenge, make_org, make_project, make_proposal, make_user
from pages import only, select
from statements import page_statements

from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    ChainReport,
    ChallengeState,
    KeyLink,
    OrgType,
    PlanState,
    ProjectState,
    Supervision,
    WorkPlan,
    WorkPlanItem,
    WorkPlanMilestone,
)
from marketplace.services.chains import chain_by_code
from marketplace.services.reports.content import number
from marketplace.services.stats import figures

YEAR = 2026
TODAY = date(2026, 11, 16)
LATE_ITEM = "行业语料库共建共享"
DONE_ITEM = "智算中心调度平台上线"
REQUEST = "请于五个工作日内书面报告语料库共建滞后原因及整改措施"


@pytest.fixture(autouse=True)
def frozen():
    # 10:00 China time on a Monday in November: the year is not over.
    with time_machine.travel(datetime(2026, 11, 16, 2, 0, tzinfo=UTC), tick=False):
        yield


def at(month, day):
    return datetime(YEAR, month, day, 4, 0, tzinfo=UTC)


@pytest.fixture
def world(people):
    """The 人工智能 chain's 2026: two published listings (one with three proposals and an accepted
    project, one with a terminated one), a failed listing, a key link, a plan with one done and one late
    item, a 督办单 on the late one; and a 链长 of the chain and a 总链长."""
    ai = chain_by_code("ai")
    people.leader = make_user("leader@example.com", make_org(type=OrgType.government), leader_chain=ai)
    people.chief = make_user("chief@example.com", make_org(type=OrgType.government), is_chief_leader=True)
    answered = make_challenge(people.poster.organisation, ChallengeState.awarded, published_at=at(3, 10),
                              created_at=at(3, 1), budget_wan=Decimal("800"))
    proposals = [make_proposal(answered) for _ in range(3)]
    make_project(proposals[0], state=ProjectState.accepted, funding_wan=Decimal("1234.5"))
    other = make_challenge(people.poster.organisation, ChallengeState.awarded, published_at=at(4, 2),
                           created_at=at(4, 1), budget_wan=Decimal("300"))
    make_project(make_proposal(other), state=ProjectState.terminated, funding_wan=Decimal("210"))
    make_challenge(people.poster.organisation, ChallengeState.failed, published_at=at(5, 6), created_at=at(5, 1))
    db.session.add(KeyLink(chain=ai, year=YEAR, segment="大模型推理芯片", priority=1, challenges=[answered]))
    plan = WorkPlan(chain=ai, year=YEAR, key_points="聚焦算力与语料两大短板。", state=PlanState.approved)
    done = WorkPlanItem(seq=1, title=DONE_ITEM, start_date=date(2026, 2, 1), end_date=date(2026, 9, 30),
                        completed_on=date(2026, 9, 20), responsible_unit="省经信厅数字经济处",
                        milestones=[WorkPlanMilestone(title="方案评审", due_on=date(2026, 4, 30)),
                                    WorkPlanMilestone(title="上线运行", due_on=date(2026, 9, 30))])
    late = WorkPlanItem(seq=2, title=LATE_ITEM, start_date=date(2026, 3, 1), end_date=date(2026, 12, 31),
                        milestones=[WorkPlanMilestone(title="签订共建协议", due_on=date(2026, 6, 30)),
                                    WorkPlanMilestone(title="首批语料入库", due_on=date(2026, 12, 15))])
    plan.items = [done, late]
    db.session.add(plan)
    db.session.flush()
    db.session.add(Supervision(chain=ai, year=YEAR, item=late, request=REQUEST, issued_on=date(2026, 10, 9),
                               working_days=5, reply_due=date(2026, 10, 16)))
    db.session.commit()
    return people


def login(client, email):
    assert client.post("/auth/login", data={"email": email, "password": "password-123"}).status_code == 302


def docx_text(data: bytes) -> tuple[str, list[tuple[str, ...]]]:
    document = docx.Document(io.BytesIO(data))
    rows = [tuple(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return "\n".join(p.text for p in document.paragraphs), rows


# ----- who may have it -----------------------------------------------------------------------------

@pytest.mark.parametrize(("email", "code", "status"), [
    ("chain-ai@example.com", "ai", 200),
    ("chain-ai@example.com", "textile", 404),
    ("chain-tx@example.com", "ai", 404),
    ("poster@example.com", "ai", 404),
    ("uni@example.com", "ai", 404),
    ("expert@example.com", "ai", 404),
    ("root@example.com", "ai", 200),
    ("root@example.com", "textile", 200),
    ("leader@example.com", "ai", 200),
    ("leader@example.com", "textile", 404),
    ("chief@example.com", "textile", 200),
])
@pytest.mark.parametrize("suffix", ["", ".docx", ".xlsx"])
def test_only_the_chains_readers_have_its_report(client, world, email, code, status, suffix):
    """The page and both files: its managers, its 链长 and every 总链长; everyone else 404."""
    login(client, email)
    assert client.get(f"/chains/{code}/report/{YEAR}{suffix}").status_code == status


def test_a_visitor_is_sent_to_log_in(client, world):
    response = client.get(f"/chains/ai/report/{YEAR}.docx")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_a_leader_reads_the_report_without_the_narrative_form(client, world):
    login(client, "leader@example.com")
    page = client.get(f"/chains/ai/report/{YEAR}")
    assert "textarea" not in page.text and LATE_ITEM in page.text
    assert client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "链长改写", "version": "0"}).status_code == 403
    assert db.session.scalar(db.select(ChainReport)) is None


def test_a_year_far_off_is_not_found(client, world):
    login(client, "root@example.com")
    assert client.get("/chains/ai/report/2999").status_code == 404
    assert client.get("/chains/ai/report/1999.docx").status_code == 404


# ----- the numbers are the statistics' -------------------------------------------------------------

def _figure_rows(f) -> list[tuple[str, str]]:
    return [("征集榜单（项）", number(f.listings)), ("发布榜单（项）", number(f.published)),
            ("揭榜方案（份）", number(f.proposals)), ("流榜（项）", number(f.failed)),
            ("立项（项）", number(f.projects_approved)), ("验收通过（项）", number(f.projects_accepted)),
            ("终止（项）", number(f.projects_terminated)), ("立项经费（万元）", number(f.funding_committed_wan)),
            ("对应榜额（万元）", number(f.bounty_wan)), ("新增成果（项）", number(f.achievements))]


def test_the_world_has_figures_worth_checking(world):
    """So that the comparisons below can fail: none of these is a zero that any empty report would show."""
    f = figures.chain_year(chain_by_code("ai"), YEAR)
    assert (f.published, f.proposals, f.failed, f.projects_approved, f.projects_accepted, f.projects_terminated) == (
        3, 4, 1, 2, 1, 1)
    assert f.funding_committed_wan == Decimal("1444.5") and f.key_links == 1


def test_the_word_report_holds_the_statistics_figures(client, world):
    f = figures.chain_year(chain_by_code("ai"), YEAR)
    login(client, "chain-ai@example.com")
    response = client.get(f"/chains/ai/report/{YEAR}.docx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    name = f"人工智能产业链{YEAR}年度工作报告.docx"
    assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]
    text, rows = docx_text(response.data)
    assert text.startswith(f"人工智能产业链 {YEAR} 年度工作完成情况报告")
    for row in _figure_rows(f):
        assert row in rows, row
    assert ("关键缺失环节（个）", f"{f.key_links}（要求 {f.key_link_min}—{f.key_link_max} 个）") in rows
    assert ("大模型推理芯片", "验收通过") in rows and list(f.key_link_rows) == [("大模型推理芯片", "验收通过")]
    assert f"工作清单共 2 项，已完成 1 项，滞后 1 项：{LATE_ITEM}。" in text
    assert any(r[0] == f"工作清单：{LATE_ITEM}" and r[1] == REQUEST and r[4] == "逾期未答复" for r in rows)
    assert "1,444.5" in {r[1] for r in rows}


def test_the_workbook_holds_the_same_figures(client, world):
    f = figures.chain_year(chain_by_code("ai"), YEAR)
    login(client, "root@example.com")
    response = client.get(f"/chains/ai/report/{YEAR}.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {"主要指标", "工作清单", "关键缺失环节", "督办", "年度工作总结"} <= set(book.sheetnames)
    overview = {r[0]: r[1] for r in book["主要指标"].iter_rows(values_only=True) if len(r) > 1}
    for label, shown in _figure_rows(f):  # the page's text, as numbers a reader can sum
        assert isinstance(overview[label], int | float) and Decimal(str(overview[label])) == Decimal(
            shown.replace(",", "")), label
    assert overview["发布榜单（项）"] == f.published
    assert overview["流榜率"] == ("—" if f.failed_rate is None else pytest.approx(f.failed_rate, abs=1e-3))
    plan = [r for r in book["工作清单"].iter_rows(values_only=True)]
    assert any(r[1] == LATE_ITEM and r[5] == "滞后" for r in plan)
    assert any(r[1] == DONE_ITEM and r[5] == "已完成" for r in plan)
    assert any(r[1] == REQUEST for r in book["督办"].iter_rows(values_only=True))


def test_the_page_shows_the_same_rows(client, world):
    f = figures.chain_year(chain_by_code("ai"), YEAR)
    login(client, "chain-ai@example.com")
    page = client.get(f"/chains/ai/report/{YEAR}")
    overview = only(page, '[data-section="overview"]').text()
    assert f"立项（项）{f.projects_approved}" in overview.replace("\n", "").replace(" ", "")


def test_a_finished_year_is_reported_as_of_its_last_day(client, world, ctx):
    """The 2025 report says the whole year; an item is 滞后 as it stood on 31 December."""
    login(client, "root@example.com")
    text, _ = docx_text(client.get("/chains/ai/report/2025.docx").data)
    assert "统计期间：2025 年 1 月 1 日至 12 月 31 日。" in text
    assert "本年度尚未制定工作清单。" in text


# ----- the office's zip ----------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["root@example.com", "chief@example.com"])
def test_the_zip_holds_eight_chains_reports(client, world, email):
    login(client, email)
    response = client.get(f"/admin/reports/{YEAR}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    chains = ["算力与大数据", "人工智能", "软件和信息服务", "量子科技", "现代纺织服装", "节能环保", "智能家电", "新材料"]
    assert sorted(names) == sorted(f"{c}产业链{YEAR}年度工作报告{ext}" for c in chains for ext in (".docx", ".xlsx"))
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    text, _ = docx_text(archive.read(f"人工智能产业链{YEAR}年度工作报告.docx"))
    assert LATE_ITEM in text


@pytest.mark.parametrize("email", ["chain-ai@example.com", "leader@example.com", "poster@example.com"])
def test_only_the_office_and_the_chief_leader_have_the_zip(client, world, email):
    login(client, email)
    assert client.get(f"/admin/reports/{YEAR}.zip").status_code == 403


# ----- the narrative -------------------------------------------------------------------------------

def test_the_narrative_is_saved_and_printed(client, world):
    login(client, "chain-ai@example.com")
    response = client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "全年围绕算力短板开展攻关。\n\n第二段。",
                                                              "version": "0"})
    assert response.status_code == 303
    stored = db.session.scalar(db.select(ChainReport))
    assert stored.narrative == "全年围绕算力短板开展攻关。\n\n第二段。" and stored.version == 1
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="chain_report_narrative_saved")) is not None
    text, _ = docx_text(client.get(f"/chains/ai/report/{YEAR}.docx").data)
    assert "全年围绕算力短板开展攻关。" in text and "第二段。" in text
    # Emptied again: allowed, and the report says so.
    assert client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "", "version": "1"}).status_code == 303
    assert db.session.scalar(db.select(ChainReport)).narrative == ""
    text, _ = docx_text(client.get(f"/chains/ai/report/{YEAR}.docx").data)
    assert "牵头部门尚未填写年度工作总结" in text


def test_a_stale_narrative_is_refused_and_kept_in_the_form(client, world):
    login(client, "chain-ai@example.com")
    client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "同事先写的。", "version": "0"})
    response = client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "我后写的。", "version": "0"})
    assert response.status_code == 409
    assert "刚刚已被他人修改" in response.text and "我后写的。" in only(response, "textarea").text()
    assert db.session.scalar(db.select(ChainReport)).narrative == "同事先写的。"


def test_a_too_long_narrative_is_refused(client, world):
    login(client, "chain-ai@example.com")
    response = client.post(f"/chains/ai/report/{YEAR}", data={"narrative": "字" * 10_001, "version": "0"})
    assert response.status_code == 400 and "不超过 10000 字" in response.text
    assert db.session.scalar(db.select(ChainReport)) is None


def test_the_supervision_is_overdue_on_the_report_day(world, ctx):
    """The 督办单 was due 16 October and is unanswered on 16 November."""
    from marketplace.services.reports.record import supervision_record

    rows = supervision_record(chain_by_code("ai"), YEAR, TODAY)
    assert [r.status for r in rows] == ["逾期未答复"]
    assert [r.status for r in supervision_record(chain_by_code("ai"), YEAR, date(2026, 10, 16))] == ["待答复"]
    assert TODAY - timedelta(days=31) == date(2026, 10, 16)


def test_the_demo_completes_last_years_reports(client, world):
    """Every chain's finished year has its department's words (demo/reports.py)."""
    from marketplace.demo.reports import seed_reports

    assert seed_reports({}) == 8
    db.session.commit()
    login(client, "chief@example.com")
    for code in ("ai", "materials"):
        text, _ = docx_text(client.get(f"/chains/{code}/report/{YEAR - 1}.docx").data)
        assert "下一步" in text and "尚未填写" not in text


@pytest.mark.parametrize(("email", "status", "chains"), [
    ("root@example.com", 200, 8), ("chief@example.com", 200, 8), ("chain-ai@example.com", 200, 1),
    ("leader@example.com", 200, 1), ("poster@example.com", 403, 0)])
def test_the_years_index_lists_the_readers_chains(client, world, email, status, chains):
    login(client, email)
    page = client.get(f"/admin/reports/{YEAR}")
    assert page.status_code == status
    if status == 200:
        assert len(select(page, "tbody tr")) == chains
        assert ("年度报告汇编" in page.text) == (chains == 8)


def test_the_report_agrees_with_the_statistics_pages_spreadsheet(client, world):
    """The issue's demand, end to end: the report's rows are the /admin/stats page's rows for the chain and year."""
    login(client, "chain-ai@example.com")
    stats = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/stats?year={YEAR}&chain=ai&format=xlsx").data))
    shown = {row[0]: row[1] for sheet in stats.worksheets for row in sheet.iter_rows(values_only=True) if row and row[0]}
    _, rows = docx_text(client.get(f"/chains/ai/report/{YEAR}.docx").data)
    report = dict(r for r in rows if len(r) == 2)
    same_label = ["征集榜单（项）", "发布榜单（项）", "揭榜方案（份）", "流榜（项）", "立项（项）", "验收通过（项）", "终止（项）",
                  "新增成果（项）", "已认证企业（家）", "已认证高校院所（家）"]
    for label in same_label:
        assert Decimal(report[label]) == Decimal(str(shown[label])), label
    assert Decimal(report["立项经费（万元）"].replace(",", "")) == Decimal(str(shown["立项经费（万元）"])) == Decimal("1444.5")
    assert Decimal(report["对应榜额（万元）"].replace(",", "")) == Decimal(str(shown["对应榜额（万元）"]))


def test_the_word_file_names_its_chinese_fonts_and_numbers_its_pages(client, world):
    login(client, "root@example.com")
    document = docx.Document(io.BytesIO(client.get(f"/chains/ai/report/{YEAR}.docx").data))
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "Noto Serif CJK SC"
    assert "PAGE" in document.sections[0].footer.paragraphs[0]._p.xml
    assert document.core_properties.title == f"人工智能产业链 {YEAR} 年度工作完成情况报告"


def test_the_page_costs_no_more_statements_with_more_items_and_supervisions(client, world):
    """The plan's items, their milestones and the 督办单 are loaded with their lists, not one query each."""

    login(client, "chain-ai@example.com")
    url = f"/chains/ai/report/{YEAR}"
    client.get(url)  # warm: the session's consent check is read once

    def statements() -> int:
        return len(page_statements(client, url))

    before = statements()
    plan = db.session.scalar(db.select(WorkPlan))
    for n in range(3, 8):
        item = WorkPlanItem(seq=n, title=f"事项{n}", start_date=date(2026, 3, 1), end_date=date(2026, 12, 31),
                            milestones=[WorkPlanMilestone(title="节点一", due_on=date(2026, 5, 1)),
                                        WorkPlanMilestone(title="节点二", due_on=date(2026, 12, 1))])
        plan.items.append(item)
        db.session.flush()
        db.session.add(Supervision(chain=plan.chain, year=YEAR, item=item, request="请说明", issued_on=date(2026, 10, 9),
                                   working_days=5, reply_due=date(2026, 10, 16)))
    db.session.commit()
    assert statements() == before


def test_the_admin_home_links_to_this_years_reports(client, world):
    login(client, "chain-ai@example.com")
    assert 'href="/admin/reports"' in client.get("/admin/").text
    assert client.get("/admin/reports").location.endswith(f"/admin/reports/{YEAR}")
