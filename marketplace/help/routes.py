"""The help pages, open to everyone: the guides per role, the FAQ and the two policy texts."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

bp = Blueprint("help", __name__)

# The 操作指南, one per role, in the order the help index lists them: (key, title, who it is for).
GUIDES = (
    ("enterprise", "企业（链主 / 企业会员）", "发布技术需求榜单、答疑、跟踪揭榜方案与项目"),
    ("institution", "高校院所（链创）", "浏览榜单、发布科研能力与成果、提交揭榜方案、实施项目"),
    ("expert", "评审专家", "对分配给您的揭榜方案评分或声明回避"),
    ("chain-admin", "牵头部门（链长制）", "审核榜单、组织评审、遴选公示、立项与验收"),
    ("chain-leader", "链长 / 总链长（只读）", "查看产业链的关键缺失环节、工作计划、督办、统计与年度报告"),
    ("platform-admin", "平台管理员", "认证机构、认定链主、管理产业链设置与用户权限"),
)
GUIDE_TITLES = {key: title for key, title, _ in GUIDES}
# The other pages of the help menu: (endpoint, label).
PAGES = (("help.faq", "常见问题"), ("help.terms", "用户协议"), ("help.privacy", "隐私政策"))


@bp.route("/")
def index():
    return render_template("help/index.html", guides=GUIDES)


@bp.route("/guide/<role>")
def guide(role):
    if role not in GUIDE_TITLES:
        abort(404)
    return render_template(f"help/guide_{role.replace('-', '_')}.html", role=role, title=GUIDE_TITLES[role],
                           guides=GUIDES)


@bp.route("/faq")
def faq():
    return render_template("help/faq.html")


@bp.route("/terms")
def terms():
    return render_template("help/terms.html")


@bp.route("/privacy")
def privacy():
    return render_template("help/privacy.html")


@bp.app_context_processor
def help_menu():
    """The guides and pages of the help pages' menu (help/layout.html)."""
    return {"help_guides": lambda: GUIDES, "help_pages": lambda: PAGES}
