"""Recording state changes in the audit trail."""
from __future__ import annotations

from ..extensions import db
from ..models import AuditEvent


def record(actor, action: str, subject, from_state="", to_state="", reason: str = "") -> AuditEvent:
    """Add an audit event for `subject` (any model with an id); flushed with the caller's work."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        from_state=getattr(from_state, "value", from_state) or "",
        to_state=getattr(to_state, "value", to_state) or "",
        reason=reason or "",
    )
    db.session.add(event)
    return event


def trail(subject) -> list[AuditEvent]:
    """The audit events of one object, oldest first."""
    return db.session.scalars(
        db.select(AuditEvent)
        .filter_by(subject_type=type(subject).__tablename__, subject_id=subject.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()


# What each recorded action is called on the pages (the trail stores stable codes).
ACTION_LABELS = {
    "organisation_registered": "注册机构", "organisation_verified": "通过认证", "organisation_rejected": "驳回认证",
    "organisation_resubmitted": "修改资料后重新提交",
    "verification_document_uploaded": "上传认证材料", "verification_document_deleted": "删除认证材料", "member_invited": "邀请成员", "invitation_accepted": "接受邀请",
    "member_role_changed": "调整成员角色", "member_enabled": "启用账号", "member_disabled": "停用账号",
    "password_changed": "修改密码", "chain_settings_changed": "修改产业链设置", "chain_lead_designated": "认定链主",
    "chain_lead_removed": "取消链主", "expert_appointed": "聘任专家", "expert_dismissed": "解聘专家",
    "chain_admin_set": "设置牵头部门账号", "platform_admin_set": "授予平台管理员", "platform_admin_unset": "撤销平台管理员",
    "chain_leader_set": "设置链长 / 总链长",
    "challenge_created": "创建榜单", "challenge_submitted": "提交审核", "challenge_published": "审核通过并发布",
    "challenge_returned": "退回修改", "challenge_closed": "截止揭榜", "challenge_withdrawn": "撤回榜单",
    "challenge_edited": "修改已发布榜单", "challenge_invited": "邀请揭榜机构", "challenge_awarded": "立项",
    "challenge_failed": "流榜", "key_link_marked": "列为关键缺失环节", "key_link_unmarked": "取消关键缺失环节",
    "key_link_created": "确定关键缺失环节", "key_link_edited": "修改关键缺失环节", "key_link_deleted": "删除关键缺失环节",
    "key_link_attached": "挂到关键缺失环节", "key_link_detached": "移出关键缺失环节", "key_link_solicited": "为关键缺失环节征集榜单",
    "plan_created": "创建年度工作计划", "plan_key_points_saved": "保存工作要点", "plan_item_added": "添加工作清单事项",
    "plan_item_edited": "修改工作清单事项", "plan_item_deleted": "删除工作清单事项", "plan_submitted": "提交工作计划",
    "plan_approved": "批准工作计划", "plan_returned": "退回工作计划", "plan_revised": "修订已批准的工作计划",
    "plan_progress_added": "填报事项进展", "plan_milestone_confirmed": "确认任务节点完成", "plan_item_completed": "事项完成",
    "question_asked": "提问", "question_answered": "答复", "rubric_set": "设置评审细则",
    "proposal_created": "创建方案", "proposal_submitted": "提交方案", "proposal_withdrawn": "撤回方案",
    "proposal_shortlisted": "入围", "proposal_declined": "未入围", "proposal_selected": "拟立项",
    "proposal_not_selected": "未中选", "consortium_invited": "邀请联合体成员", "consortium_accepted": "成员接受邀请",
    "consortium_declined": "成员拒绝邀请", "review_assigned": "分配评审专家", "review_recused": "专家回避",
    "review_due_changed": "调整评审截止日期", "review_submitted": "专家提交评分", "publicity_opened": "开始公示", "project_approved": "批准立项",
    "proposal_approved": "方案已立项", "proposal_accepted": "项目验收通过", "proposal_terminated": "项目终止",
    "project_started": "启动实施", "project_midterm": "中期检查", "project_accepted": "验收通过",
    "project_terminated": "项目终止", "stage_gate_continue": "阶段评估：继续", "stage_gate_stop": "阶段评估：终止",
    "milestone_submitted": "提交里程碑", "milestone_confirmed": "里程碑确认完成",
    "milestone_confirmed_by_enterprise": "企业确认里程碑", "milestone_confirmed_by_admin": "牵头部门确认里程碑",
    "milestone_rejected": "退回里程碑", "achievement_created": "成果入库", "capability_created": "发布科研能力",
    "capability_edited": "修改科研能力", "achievement_edited": "修改成果",
    "account_disabled": "平台管理员停用账号", "account_enabled": "平台管理员启用账号",
    "password_reset_requested": "申请重置密码（邮件已发送）", "password_reset_sent": "平台管理员发送重置密码邮件",
    "password_reset": "通过邮件链接重置密码", "attachment_added": "上传附件", "attachment_deleted": "删除附件",
    "supervision_issued": "发出督办单", "supervision_replied": "答复督办单", "supervision_reminded": "督办单逾期提醒",
    "chain_report_narrative_saved": "填写年度工作总结", "bulletin_sent": "发送季度通报",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)
