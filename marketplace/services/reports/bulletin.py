"""The quarterly 通报 (the policy's "定期通报工作进展情况"): one page per chain with the year-end report's
numbers, made for a quarter of a year, printed as PDF and sent by the platform admin to each chain's
lead department.

Quarter figures: the statistics figures cut off at the quarter's last day when figures.py accepts a
cut-off day; otherwise the year to date on the day the 通报 is made, and the document says so.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

from ... import clock
from ...extensions import db
from ...models import AuditEvent
from ...notifications import notify
from .. import audit, oversight
from ..errors import InvalidTransition, NotFound, PermissionDenied
from ..locking import lock
from ..official_documents import PLATFORM_NAME, Document
from .content import ReportContent, Section, figures_for, figures_take_cut_off, narrative_of
from .record import plan_record, supervision_record

QUARTERS = (1, 2, 3, 4)
ACTION = "bulletin_sent"
# One printed page per chain: the main figures (two pairs a row) and key links as tables, the plan and
# 督办 as their sentences.
PRINTED = {"overview": True, "key_links": True, "plan": False, "supervision": False}


def _two_a_row(section: Section) -> Section:
    """(指标, 数值) rows as (指标, 数值, 指标, 数值): half the height, so a chain's page fits on one sheet."""
    rows = list(section.rows) + ([("", "")] if len(section.rows) % 2 else [])
    half = len(rows) // 2
    paired = [left + right for left, right in zip(rows[:half], rows[half:], strict=True)]
    return replace(section, columns=section.columns * 2, rows=paired)


NUMERALS = "一二三四五六七八九十"


def _numbered(section: Section, number: int) -> Section:
    """The report numbers all its sections; the 通报 prints only some, numbered again in turn (一、二、三、四,
    not 一、二、三、七)."""
    name = section.title.split("、", 1)[-1]
    return replace(section, title=f"{NUMERALS[number - 1]}、{name}")


class AlreadySent(InvalidTransition):
    """This quarter's 通报 went out before: sending again needs the admin's confirmation (409)."""


@dataclass(frozen=True)
class Bulletin:
    year: int
    quarter: int
    as_of: date  # the day the figures are for
    cut_off: bool  # True: figures cut off at the quarter's end; False: the year to date on `as_of`
    chains: list[ReportContent]

    @property
    def title(self) -> str:
        return f"{self.year} 年第 {self.quarter} 季度产业链工作进展情况通报"

    made_on: date = date.min  # the day it was made

    @property
    def basis(self) -> str:
        if self.cut_off:
            return f"数据截至 {self.as_of:%Y 年 %-m 月 %-d 日}（第 {self.quarter} 季度末）。"
        # The statistics are computed for a whole year (figures.chain_year has no cut-off day): say so.
        if self.as_of >= date(self.year, 12, 31):
            return f"数据为 {self.year} 年全年累计数（统计口径按年度计算，不按季度截止）。"
        return (f"数据为 {self.year} 年 1 月 1 日至 {self.as_of:%Y 年 %-m 月 %-d 日}（通报生成之日）的年度累计数"
                "（统计口径按年度计算，不按季度截止）。")

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def printed_pages(self) -> list[tuple[ReportContent, list[tuple]]]:
        """Each chain's page of the PDF: (content, [(section, with its table)])."""
        pages = []
        for page in self.chains:
            printed = [s for s in page.sections if s.key in PRINTED]
            pages.append((page, [(_numbered(_two_a_row(s) if s.key == "overview" else s, n), PRINTED[s.key])
                                 for n, s in enumerate(printed, start=1)]))
        return pages


def quarter_end(year: int, quarter: int) -> date:
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_start(year: int, quarter: int) -> date:
    return date(year, quarter * 3 - 2, 1)


def begun_quarters(year: int) -> list[int]:
    """The year's quarters that have begun (China's calendar): those a 通报 can be made for."""
    return [q for q in QUARTERS if quarter_start(year, q) <= clock.today()]


def _check_quarter(year: int, quarter: int) -> None:
    if quarter not in QUARTERS:
        raise NotFound("季度应为第 1—4 季度。")
    if quarter_start(year, quarter) > clock.today():
        raise InvalidTransition(f"{year} 年第 {quarter} 季度尚未开始，还不能生成通报。")


def make(actor, year: int, quarter: int) -> Bulletin:
    """The 通报 for the chains `actor` may read (every chain for platform admins and 总链长, its own for a
    chain's department or 链长, which is what the inbox message links them to). Raises PermissionDenied
    for anyone else, NotFound for a quarter outside 1–4, InvalidTransition for one not begun."""
    chains = oversight.viewable_chains(actor)
    if not chains:
        raise PermissionDenied("季度通报仅限平台管理员、产业链牵头部门和链长查看。")
    _check_quarter(year, quarter)
    cut_off = figures_take_cut_off()
    today = clock.today()
    as_of = min(quarter_end(year, quarter), today) if cut_off else min(today, date(year, 12, 31))
    pages = []
    for chain in chains:
        stored = narrative_of(chain, year)
        pages.append(ReportContent(
            chain=chain, year=year, made_on=today, as_of=as_of,
            figures=figures_for(chain, year, until=as_of if cut_off else None),
            plan=plan_record(chain, year, as_of), supervision=supervision_record(chain, year, as_of),
            narrative=stored.narrative if stored else ""))
    return Bulletin(year=year, quarter=quarter, as_of=as_of, cut_off=cut_off, chains=pages, made_on=today)


def document(bulletin: Bulletin) -> Document:
    """The 通报 as a printable document (documents/pdf.py), one page per chain."""
    return Document(
        template="bulletin.html", title=bulletin.title,
        filename=f"{bulletin.year}年第{bulletin.quarter}季度产业链工作进展通报.pdf",
        ascii_name=f"bulletin-{bulletin.year}-q{bulletin.quarter}.pdf",
        number=f"TB-{bulletin.year}-Q{bulletin.quarter}", issuer="湖北省制造强省建设领导小组办公室",
        issued_on=bulletin.as_of, context={"bulletin": bulletin, "platform_name": PLATFORM_NAME})


def sent_before(year: int, quarter: int) -> list[AuditEvent]:
    """The earlier sends of this quarter's 通报 (one audit event per chain per send)."""
    return db.session.scalars(db.select(AuditEvent).filter_by(action=ACTION, to_state=f"{year}Q{quarter}")
                              .order_by(AuditEvent.id)).all()


def send(actor, year: int, quarter: int, link_for, confirm: bool = False) -> int:
    """Tell each chain's lead department that its page of the 通报 is out (inbox + mail, linking to
    `link_for(chain)`), and record the send in the audit trail, one event per chain. A second send of
    the same quarter is refused (AlreadySent, 409) unless `confirm`. Returns the number of chains."""
    if not (actor is not None and actor.is_authenticated and actor.is_platform_admin):
        raise PermissionDenied("只有平台管理员可以发送季度通报。")
    _check_quarter(year, quarter)
    chains = oversight.viewable_chains(actor)
    # Two sends at once queue here (the first chain's row lock), so the second sees the first's events.
    lock(chains[0])
    earlier = sent_before(year, quarter)
    if earlier and not confirm:
        first = clock.local(earlier[0].created_at)
        raise AlreadySent(f"{year} 年第 {quarter} 季度通报已于 {first:%Y-%m-%d %H:%M} 发送过。"
                          "如确需再次发送，请勾选“确认再次发送”后提交。")
    for chain in chains:
        notify.chain_admins(chain, "governance", f"{year} 年第 {quarter} 季度工作进展情况通报",
                            f"省制造强省建设领导小组办公室已发布{year}年第{quarter}季度通报，请查阅{chain.name}产业链的进展情况。",
                            link_for(chain))
        audit.record(actor, ACTION, chain, to_state=f"{year}Q{quarter}",
                     reason=f"{year}年第{quarter}季度通报" + ("（再次发送）" if earlier else ""))
    db.session.flush()
    return len(chains)
