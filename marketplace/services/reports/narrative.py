"""The lead department's own words in the year-end report (ChainReport.narrative): typed on the report
page by the chain's managers, read by its 链长 and every 总链长."""
from __future__ import annotations

from ...extensions import db
from ...models import Chain, ChainReport
from .. import audit, oversight
from ..errors import PermissionDenied, ServiceError
from ..locking import Conflict

NARRATIVE_MAX = 10_000  # a few pages of 年度工作总结: more belongs in an attachment, not a form field


def can_edit(actor, chain: Chain) -> bool:
    return oversight.can_manage(actor, chain)


def save(actor, chain: Chain, year: int, version: int, text: str) -> ChainReport:
    """Store the narrative, compare-and-set: `version` is the one the page showed (0: none yet); a newer
    one refuses the save (409) rather than overwrite a colleague's words. Empty text is allowed (the
    report then says nothing was written). Raises PermissionDenied, ServiceError (too long), Conflict."""
    if not can_edit(actor, chain):
        raise PermissionDenied("只有本链牵头部门或平台管理员可以填写年度工作总结。")
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > NARRATIVE_MAX:
        raise ServiceError(f"年度工作总结不超过 {NARRATIVE_MAX} 字（现为 {len(text)} 字），请精简后再保存。",
                           field="narrative")
    report = db.session.scalar(db.select(ChainReport).filter_by(chain_id=chain.id, year=year))
    if (report.version if report else 0) != version:
        raise Conflict("年度工作总结刚刚已被他人修改，本次修改未保存。请刷新页面，查看最新内容后再改。")
    if report is None:
        # Two first saves at once: the unique (chain, year) refuses the second (409).
        report = ChainReport(chain=chain, year=year)
        db.session.add(report)
    report.narrative, report.updated_by = text, actor
    db.session.flush()
    audit.record(actor, "chain_report_narrative_saved", report, reason=f"{chain.name} {year} 年（{len(text)} 字）")
    return report
