"""Admin area: organisation verification, chain settings, users. Access is checked once, here."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_

from ..access import acting_user, require
from ..extensions import db, login_manager
from ..formkit import options
from ..models import ChainLead, ExpertMembership, Organisation, OrgStatus, OrgType, User
from ..paging import paginate
from ..services import accounts, organisations, password_reset, verification
from ..services import chains as chain_service
from ..services.audit import trail
from ..webkit import run
from .forms import AppointExpertForm, ChainSettingsForm, DesignateLeadForm, RejectForm, UserRolesForm

bp = Blueprint("admin", __name__)


@bp.before_request
def admins_only():
    """Every admin page needs a platform admin or a chain admin; finer checks per page below."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
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


def _enterprise_choices(chain):
    """Verified enterprises not yet 链主 here; those already posting in this chain first, marked so."""
    from ..models import Challenge

    taken = {lead.organisation_id for lead in chain.leads}
    enterprises = db.session.scalars(
        db.select(Organisation).filter_by(type=OrgType.enterprise, status=OrgStatus.verified).order_by(Organisation.name)
    )
    posted = dict(db.session.execute(db.select(Challenge.organisation_id, db.func.count()).filter_by(
        chain_id=chain.id).group_by(Challenge.organisation_id)).all())
    ranked = sorted((o for o in enterprises if o.id not in taken), key=lambda o: (o.id not in posted, o.name))
    return options([(o.id, f"{o.name}（本链榜单 {posted[o.id]} 项）" if o.id in posted else o.name) for o in ranked],
                   "请选择企业")


def _chain_page(chain, settings_form=None, lead_form=None, expert_form=None, status=200):
    settings_form = settings_form or ChainSettingsForm(obj=chain, formdata=None)
    lead_form = lead_form or DesignateLeadForm(formdata=None)
    lead_form.organisation_id.choices = _enterprise_choices(chain)
    expert_form = expert_form or AppointExpertForm(formdata=None)
    return render_template(
        "admin/chain.html", chain=chain, settings_form=settings_form, lead_form=lead_form,
        expert_form=expert_form, committee=chain_service.committee(chain),
    ), status


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
    form.organisation_id.choices = _enterprise_choices(chain)
    if not form.validate_on_submit():
        return _chain_page(chain, lead_form=form, status=400)
    organisation = db.get_or_404(Organisation, form.organisation_id.data)
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
    user = accounts.find_user_by_email(form.email.data)
    if user is None:
        form.email.errors = ["未找到该邮箱对应的平台账号，请专家先注册或由其机构邀请加入。"]
        return again(400)
    return run(lambda: chain_service.appoint_expert(acting_user(), chain, user, form.title.data or "",
                                                    form.expertise.data or ""),
               f"已聘任 {user.name} 为{chain.name}专家委员会成员。", url_for("admin.chain_settings", code=code), again, form)


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
