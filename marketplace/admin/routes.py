"""Admin area: organisation verification, chain settings, users. Access is checked once, here."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_

from ..access import acting_user, require
from ..extensions import db, login_manager
from ..formkit import options
from ..models import ChainLead, ExpertMembership, Organisation, OrgStatus, User
from ..paging import paginate
from ..services import accounts, organisations, password_reset, pickers, verification
from ..services import chains as chain_service
from ..services.audit import trail
from ..webkit import run
from .forms import AppointExpertForm, ChainSettingsForm, DesignateLeadForm, RejectForm, UserRolesForm
from .picking import Picker

bp = Blueprint("admin", __name__)


# Governance pages a read-only 链长 / 总链长 may open too (each checks oversight.can_view itself).
LEADER_PAGES: set[str] = set()


def leaders_may_read(view):
    """Let 链长 and 总链长 past the admin area's gate to this page (a GET; every POST still refuses them)."""
    LEADER_PAGES.add(f"{bp.name}.{view.__name__}")
    return view


@bp.before_request
def admins_only():
    """Every admin page needs a platform admin or a chain admin; finer checks per page below."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.endpoint in LEADER_PAGES and current_user.is_chain_leader:
        return None
    require(current_user.is_platform_admin or current_user.is_chain_admin, "仅限平台管理员和产业链牵头部门访问。")


def platform_admin_only() -> None:
    require(current_user.is_platform_admin, "仅限平台管理员访问。")


@bp.route("/")
def index():
    pending = len(organisations.pending_queue()) if current_user.is_platform_admin else 0
    chains = chain_service.all_chains()
    if not current_user.is_platform_admin:
        chains = [c for c in chains if c.id == current_user.admin_chain_id]
    return render_template("admin/index.html", pending=pending, chains=chains)


@bp.route("/organisations")
def organisation_list():
    platform_admin_only()
    status = request.args.get("status", "pending")
    query = db.select(Organisation).where(~Organisation.is_government)
    if status in {s.value for s in OrgStatus}:
        query = query.filter_by(status=OrgStatus(status))
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(or_(Organisation.name.contains(q), Organisation.credit_code.contains(q.upper())))
    page = paginate(query.order_by(Organisation.created_at.desc()), per_page=20)
    documents = verification.counts([o.id for o in page.items])
    return render_template("admin/organisations.html", page=page, status=status, q=q, documents=documents)


@bp.route("/organisations/<int:org_id>")
def organisation_detail(org_id):
    platform_admin_only()
    return _organisation_page(db.get_or_404(Organisation, org_id), RejectForm())


def _organisation_page(organisation, reject_form, status: int = 200):
    """The verification page, also when a rejection is sent back with an error (documents included)."""
    return render_template("admin/organisation.html", organisation=organisation, reject_form=reject_form,
                           events=trail(organisation),
                           documents=verification.documents(organisation),
                           what_to_upload=verification.what_to_upload(organisation)), status


@bp.post("/organisations/<int:org_id>/verify")
def organisation_verify(org_id):
    platform_admin_only()
    organisation = db.get_or_404(Organisation, org_id)
    return run(lambda: organisations.verify(acting_user(), organisation), f"已认证：{organisation.name}",
               url_for("admin.organisation_list"))


@bp.post("/organisations/<int:org_id>/reject")
def organisation_reject(org_id):
    platform_admin_only()
    organisation = db.get_or_404(Organisation, org_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, form, 400)
    return run(lambda: organisations.reject(acting_user(), organisation, form.reason.data),
               f"已驳回：{organisation.name}", url_for("admin.organisation_list"),
               lambda status: _organisation_page(organisation, form, status), form)


def _managed_chain(code: str):
    chain = chain_service.chain_by_code(code) or abort(404)
    require(chain_service.can_manage(acting_user(), chain), "只能管理本部门牵头的产业链。")
    return chain


@bp.route("/chains")
def chain_list():
    chains = [c for c in chain_service.all_chains() if chain_service.can_manage(acting_user(), c)]
    return render_template("admin/chains.html", chains=chains)


def _pickers(chain, expert_form, lead_form) -> dict:
    """The page's two pickers: what was searched for (a GET on this page, without JavaScript) and what
    it found; the type-ahead asks `chain_candidates` for the same lists as JSON."""
    expert_q = request.args.get("expert_q", "")[:pickers.QUERY_MAX]
    lead_q = request.args.get("lead_q", "")[:pickers.QUERY_MAX]
    found = {"experts": Picker(
        "expert", "搜索专家", "expert_q", expert_q, pickers.expert_candidates(chain, expert_q), "user_id", "加入专家库",
        url_for("admin.chain_candidates", code=chain.code, kind="experts"), bool(expert_q.strip()),
        "输入姓名、单位、邮箱或研究专长，已在本链专家委员会或账号已停用的不在其列。", expert_form.user_id.errors)}
    if current_user.is_platform_admin:
        found["leads"] = Picker(
            "lead", "搜索企业", "lead_q", lead_q, pickers.lead_candidates(chain, lead_q), "organisation_id", "认定为链主",
            url_for("admin.chain_candidates", code=chain.code, kind="leads"), True,
            "未搜索时列出在本链发布榜单的企业；输入企业名称、地区或统一社会信用代码可搜索其他已认证企业（本链企业仍排在前面）。",
            lead_form.organisation_id.errors)
    return found


def _chain_page(chain, settings_form=None, lead_form=None, expert_form=None, status=200):
    settings_form = settings_form or ChainSettingsForm(obj=chain, formdata=None)
    lead_form = lead_form or DesignateLeadForm(formdata=None)
    expert_form = expert_form or AppointExpertForm(formdata=None)
    return render_template(
        "admin/chain.html", chain=chain, settings_form=settings_form, lead_form=lead_form,
        expert_form=expert_form, committee=chain_service.committee(chain),
        pickers=_pickers(chain, expert_form, lead_form),
    ), status


@bp.route("/chains/<code>/candidates/<kind>")
def chain_candidates(code, kind):
    """The pickers' type-ahead: candidates as JSON, for those who manage the chain (链主: platform admins)."""
    chain = _managed_chain(code)
    q = request.args.get("q", "")[:pickers.QUERY_MAX]
    if kind == "experts":
        found = pickers.expert_candidates(chain, q)
    elif kind == "leads":
        platform_admin_only()
        found = pickers.lead_candidates(chain, q)
    else:
        abort(404)
    return jsonify(results=[candidate.as_json() for candidate in found])


@bp.route("/chains/<code>", methods=["GET", "POST"])
def chain_settings(code):
    chain = _managed_chain(code)
    if request.method == "GET":
        return _chain_page(chain)
    form = ChainSettingsForm()
    if not form.validate_on_submit():
        return _chain_page(chain, settings_form=form, status=400)
    return run(lambda: chain_service.update_settings(
                   acting_user(), chain, leader=form.leader.data, lead_department=form.lead_department.data,
                   description=form.description.data or "", quota_min=form.key_link_quota_min.data,
                   quota_max=form.key_link_quota_max.data),
               "产业链设置已保存。", url_for("admin.chain_settings", code=code),
               lambda status: _chain_page(chain, settings_form=form, status=status), form)


@bp.post("/chains/<code>/leads")
def chain_lead_add(code):
    chain = _managed_chain(code)
    platform_admin_only()
    form = DesignateLeadForm()
    if not form.validate_on_submit():
        return _chain_page(chain, lead_form=form, status=400)
    organisation = db.session.get(Organisation, form.organisation_id.data)
    if organisation is None:
        form.organisation_id.errors = ["未找到所选企业，请重新搜索后选择。"]
        return _chain_page(chain, lead_form=form, status=404)
    return run(lambda: chain_service.designate_lead(acting_user(), chain, organisation),
               f"已认定 {organisation.name} 为{chain.name}链主企业。",  # the page shows the 2–5 warning
               url_for("admin.chain_settings", code=code),
               lambda status: _chain_page(chain, lead_form=form, status=status), form)


@bp.post("/chains/<code>/leads/<int:lead_id>/remove")
def chain_lead_remove(code, lead_id):
    chain = _managed_chain(code)
    platform_admin_only()
    lead = db.get_or_404(ChainLead, lead_id)
    if lead.chain_id != chain.id:
        abort(404)
    return run(lambda: chain_service.remove_lead(acting_user(), lead), "已取消链主认定。",
               url_for("admin.chain_settings", code=code))


@bp.post("/chains/<code>/experts")
def chain_expert_add(code):
    chain = _managed_chain(code)
    form = AppointExpertForm()

    def again(status):
        return _chain_page(chain, expert_form=form, status=status)

    if not form.validate_on_submit():
        return again(400)

    def appoint():
        user = pickers.expert_to_appoint(chain, form.user_id.data)
        chain_service.appoint_expert(acting_user(), chain, user, form.title.data or "", form.expertise.data or "")
        return user

    return run(appoint, lambda user: f"已聘任 {user.name} 为{chain.name}专家委员会成员。",
               url_for("admin.chain_settings", code=code) + "#committee", again, form)


@bp.post("/chains/<code>/experts/<int:membership_id>/remove")
def chain_expert_remove(code, membership_id):
    chain = _managed_chain(code)
    membership = db.get_or_404(ExpertMembership, membership_id)
    if membership.chain_id != chain.id:
        abort(404)
    return run(lambda: chain_service.dismiss_expert(acting_user(), membership), "已解聘该专家。",
               url_for("admin.chain_settings", code=code))


@bp.route("/users")
def user_list():
    platform_admin_only()
    q = request.args.get("q", "").strip()
    query = db.select(User).join(User.organisation)
    if q:
        query = query.where(or_(User.email.contains(q.lower()), User.name.contains(q), Organisation.name.contains(q)))
    page = paginate(query.order_by(User.id), per_page=20)
    return render_template("admin/users.html", page=page, q=q)


def _user_page(user, form, status=200):
    return render_template("admin/user.html", user=user, form=form, events=trail(user)), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_detail(user_id):
    platform_admin_only()
    user = db.get_or_404(User, user_id)
    form = UserRolesForm(obj=user if request.method == "GET" else None)
    form.admin_chain.choices = options([(c.code, c.name) for c in chain_service.all_chains()], "（无）")
    if request.method == "GET":
        form.admin_chain.data = user.admin_chain.code if user.admin_chain else ""
        return _user_page(user, form)
    if not form.validate_on_submit():
        return _user_page(user, form, 400)
    chain = chain_service.chain_by_code(form.admin_chain.data) if form.admin_chain.data else None

    def action():
        if (user.admin_chain_id or None) != (chain.id if chain else None):
            chain_service.set_chain_admin(acting_user(), user, chain)
        if user.is_platform_admin != form.is_platform_admin.data:
            chain_service.set_platform_admin(acting_user(), user, form.is_platform_admin.data)

    return run(action, "用户权限已更新。", url_for("admin.user_detail", user_id=user.id),
               lambda status: _user_page(user, form, status), form)


@bp.post("/users/<int:user_id>/enabled")
def user_enabled(user_id):
    platform_admin_only()
    user = db.get_or_404(User, user_id)
    enabled = request.form.get("enabled") == "1"
    return run(lambda: accounts.set_account_enabled(acting_user(), user, enabled),
               f"已启用 {user.name} 的账号。" if enabled else f"已停用 {user.name} 的账号，其所有登录已退出。",
               url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password-reset")
def user_password_reset(user_id):
    platform_admin_only()
    user = db.get_or_404(User, user_id)
    return run(lambda: password_reset.send_by_admin(acting_user(), user),
               f"已向 {user.email} 发送重置密码邮件。", url_for("admin.user_detail", user_id=user.id))
