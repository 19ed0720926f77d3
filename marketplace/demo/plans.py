"""Demo annual work plans: every chain's plan for this year — one approved and since revised, one
returned with a reason, one awaiting approval, one still a draft, the rest approved — with items late
today and items done; and last year's approved plans, every item complete (the finished year).
Dates are relative to `clock.today()`, so the demo shows the same picture whenever it is loaded."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from .. import clock
from ..extensions import db
from ..models import (
    Chain,
    KeyLink,
    PlanCategory,
    PlanState,
    User,
    WorkPlan,
    WorkPlanItem,
    WorkPlanMilestone,
    WorkPlanProgress,
    WorkPlanRevision,
)
from ..services.work_plans import snapshot
from .seed import DEPARTMENTS

C = PlanCategory
# Per chain: this year's 工作要点, its items (title, category, 重点地区, 责任处室) and last year's items.
PLANS = {
    "compute": ("围绕全国一体化算力网络国家枢纽节点建设，推进武汉、襄阳、宜昌智算中心扩容，完善数据要素流通交易体系，"
                "推动液冷与绿色数据中心技术攻关，全年新增智算规模不少于 3000P。", [
        ("智算中心液冷散热关键技术攻关", C.key_link, ["武汉市"], "高技术产业处"),
        ("襄阳、宜昌区域算力调度平台建设", C.platform, ["襄阳市", "宜昌市"], "数字经济处"),
        ("数据要素流通交易规则出台", C.policy, ["武汉市"], "数字经济处"),
        ("算力设备与服务企业招引", C.investment, ["武汉市", "孝感市"], "利用外资处"),
    ], [("湖北省算力网络建设行动方案编制", C.policy, ["武汉市"], "高技术产业处"),
        ("武汉人工智能计算中心二期建成", C.platform, ["武汉市"], "数字经济处"),
        ("算力产业链招商推介会", C.promotion, ["武汉市"], "利用外资处")]),
    "ai": ("聚焦大模型行业应用、智能芯片国产适配和机器视觉，组织关键缺失环节揭榜攻关，建设人工智能公共训练平台，"
           "在汽车、钢铁、家电等优势产业打造 20 个以上“人工智能+制造”示范场景。", [
        ("国产 AI 芯片与大模型适配验证攻关", C.key_link, ["武汉市"], "电子信息处"),
        ("人工智能公共训练与评测平台建设", C.platform, ["武汉市", "宜昌市"], "科技与质量处"),
        ("“人工智能+制造”示范场景遴选", C.promotion, ["襄阳市", "十堰市", "黄石市"], "智能制造处"),
        ("具身智能整机企业招引", C.investment, ["武汉市", "鄂州市"], "投资与规划处"),
        ("人工智能产业发展若干措施修订", C.policy, ["武汉市"], "政策法规处"),
    ], [("人工智能产业链图谱与缺失环节梳理", C.other, ["武汉市"], "电子信息处"),
        ("机器视觉质检解决方案揭榜", C.key_link, ["襄阳市", "十堰市"], "智能制造处"),
        ("人工智能创新应用大赛", C.promotion, ["武汉市"], "科技与质量处")]),
    "software": ("实施工业软件攻关工程，推动研发设计类、生产控制类工业软件在本省链主企业规模化应用，培育信创适配中心，"
                 "软件业务收入增长 12% 以上。", [
        ("三维 CAD 几何内核攻关", C.key_link, ["武汉市"], "软件与信息服务处"),
        ("信创适配验证中心建设", C.platform, ["武汉市", "襄阳市"], "网络安全处"),
        ("工业软件首版次推广应用政策出台", C.policy, ["武汉市"], "政策法规处"),
    ], [("工业软件供需对接会", C.promotion, ["武汉市"], "软件与信息服务处"),
        ("MES 系统在汽车零部件企业推广", C.other, ["十堰市", "襄阳市"], "软件与信息服务处"),
        ("软件名园建设方案", C.policy, ["武汉市"], "政策法规处")]),
    "quantum": ("建设量子科技创新高地，推进量子通信城域网扩容和量子精密测量仪器工程化，组织量子计算核心器件揭榜攻关，"
                "引育量子科技企业 10 家以上。", [
        ("量子精密测量仪器工程样机研制", C.key_link, ["武汉市"], "高新技术处"),
        ("武汉量子通信城域网扩容", C.platform, ["武汉市", "鄂州市"], "成果转化处"),
        ("量子科技企业招引与孵化", C.investment, ["武汉市"], "区域创新处"),
        ("量子科技科普与推介活动", C.promotion, ["武汉市", "宜昌市"], "科技人才处"),
    ], [("量子科技发展行动计划出台", C.policy, ["武汉市"], "高新技术处"),
        ("冷原子干涉重力仪样机验证", C.key_link, ["武汉市"], "成果转化处"),
        ("量子产业联盟成立", C.other, ["武汉市"], "区域创新处")]),
    "textile": ("推动纺织服装高端化、智能化、绿色化，建设功能性面料创新平台和智能工厂，办好武汉设计双年展配套活动，"
                "培育自主品牌 5 个以上。", [
        ("高性能功能性面料关键技术攻关", C.key_link, ["武汉市", "仙桃市"], "消费品工业处"),
        ("纺织服装智能工厂建设", C.platform, ["仙桃市", "荆州市", "孝感市"], "智能制造处"),
        ("非织造布产业集群招商", C.investment, ["仙桃市", "潜江市"], "投资与规划处"),
        ("湖北服装品牌推介周", C.promotion, ["武汉市"], "消费品工业处"),
    ], [("纺织产业绿色低碳改造", C.other, ["荆州市", "天门市"], "节能与综合利用处"),
        ("医用防护材料标准研制", C.key_link, ["仙桃市"], "消费品工业处"),
        ("纺织服装产业链专题招商会", C.investment, ["武汉市"], "投资与规划处")]),
    "green": ("围绕大气、水、固废治理和资源循环利用，组织关键装备揭榜攻关，推进长江大保护重点工程技术应用，"
              "建设再生资源回收利用示范基地。", [
        ("废旧动力电池高值化回收技术攻关", C.key_link, ["荆门市", "武汉市"], "固体废物与化学品处"),
        ("长江沿线污水处理提标示范工程", C.platform, ["宜昌市", "荆州市", "黄冈市"], "水生态环境处"),
        ("再生资源回收利用示范基地建设", C.investment, ["荆门市", "黄石市"], "科技与财务处"),
        ("环保装备首台套推广政策出台", C.policy, ["武汉市"], "法规与标准处"),
    ], [("工业窑炉烟气超低排放改造", C.other, ["黄石市", "鄂州市"], "大气环境处"),
        ("节能环保装备展示推介", C.promotion, ["武汉市"], "科技与财务处"),
        ("磷石膏综合利用技术揭榜", C.key_link, ["宜昌市"], "固体废物与化学品处")]),
    "appliance": ("推动家电产品高能效、智能化升级，补齐压缩机、变频控制器等核心零部件，开展家电以旧换新促消费活动，"
                  "培育智能家居应用场景。", [
        ("高效变频压缩机关键部件攻关", C.key_link, ["武汉市", "荆州市"], "消费促进处"),
        ("家电以旧换新促消费活动", C.promotion, ["武汉市", "襄阳市", "宜昌市"], "市场运行处"),
        ("智能家电核心零部件配套企业招引", C.investment, ["荆州市", "黄冈市"], "外资处"),
    ], [("智能家居体验中心建设", C.platform, ["武汉市"], "市场运行处"),
        ("家电产业链供需对接", C.investment, ["荆州市"], "外资处"),
        ("绿色智能家电下乡", C.promotion, ["黄冈市", "孝感市"], "消费促进处")]),
    "materials": ("突破先进基础材料和关键战略材料，组织高纯电子化学品、碳纤维复合材料揭榜攻关，建设新材料中试平台，"
                  "推动首批次材料应用保险补偿落地。", [
        ("高纯电子化学品国产化攻关", C.key_link, ["宜昌市", "武汉市"], "原材料工业处"),
        ("新材料中试验证平台建设", C.platform, ["武汉市", "襄阳市"], "科技与质量处"),
        ("新材料首批次应用保险补偿政策落地", C.policy, ["武汉市"], "政策法规处"),
        ("磷化工下游新材料项目招引", C.investment, ["宜昌市", "荆门市"], "投资与规划处"),
    ], [("碳纤维复合材料应用示范", C.key_link, ["襄阳市"], "原材料工业处"),
        ("新材料产业发展大会", C.promotion, ["武汉市"], "科技与质量处"),
        ("化工园区安全整治提升", C.other, ["宜昌市", "荆州市"], "原材料工业处")]),
}
# This year's state per chain: the first revised after approval, one returned, one awaiting approval, one draft.
STATES = {"ai": PlanState.approved, "compute": PlanState.returned, "software": PlanState.submitted,
          "quantum": PlanState.draft}
RETURN_REASON = "重点地区未细化到市州，第 2、3 项缺少可量化的节点目标，请补充后重新提交。"
REVISION_REASON = "根据链长调度会意见，“人工智能+制造”示范场景遴选增加鄂州市，最后节点顺延一个月。"
PEOPLE = ("张伟", "李娜", "王强", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")
STEP_NAMES = ("制定实施方案", "完成调研与论证", "完成中期节点", "完成主体任务", "组织验收总结")


def _department(chain: Chain) -> str:
    return DEPARTMENTS.get(chain.lead_department, chain.lead_department)


def _moment(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=2, tzinfo=UTC)  # 10:00 in China


def _item(chain: Chain, n: int, spec, start: date, offsets: list[int], confirmed: int, done_on: date | None):
    """An item whose steps fall `offsets` days after `start`, the first `confirmed` of them confirmed."""
    title, category, regions, office = spec
    steps = [WorkPlanMilestone(title=STEP_NAMES[k] if k < len(offsets) - 1 else STEP_NAMES[-1],
                               due_on=start + timedelta(days=d),
                               confirmed_on=(start + timedelta(days=d - 2)) if k < confirmed else None)
             for k, d in enumerate(offsets)]
    return WorkPlanItem(seq=n + 1, title=title, category=category, regions=regions,
                        responsible_unit=f"{_department(chain)}{office}", responsible_person=PEOPLE[(n + chain.sort_order) % 8],
                        start_date=start, end_date=start + timedelta(days=max(offsets) + 10), milestones=steps,
                        completed_on=done_on)


def _this_year(chain: Chain, admin: User | None, office: User | None, today: date) -> WorkPlan:
    key_points, specs, _ = PLANS[chain.code]
    state = STATES.get(chain.code, PlanState.approved)
    plan = WorkPlan(chain=chain, year=today.year, key_points=key_points, state=state, created_by=admin,
                    created_at=_moment(today - timedelta(days=150)))
    running = state is PlanState.approved
    for n, spec in enumerate(specs):
        if not running:  # not yet in force: every step still ahead
            item = _item(chain, n, spec, today - timedelta(days=10), [30, 120, 240], 0, None)
        elif n % 4 == 3:  # done: every step confirmed, then marked complete
            item = _item(chain, n, spec, today - timedelta(days=150), [30, 80, 130], 3, today - timedelta(days=12))
        elif n % 2 == 1:  # late: the second step passed unconfirmed
            item = _item(chain, n, spec, today - timedelta(days=120), [30, 100, 200], 1, None)
        else:  # on track: the past step confirmed, the rest ahead
            item = _item(chain, n, spec, today - timedelta(days=90), [40, 150, 240, 300], 1, None)
        plan.items.append(item)
    for item in plan.items:
        if link := _key_link(chain, today.year, item):
            item.key_links.append(link)
    if state is not PlanState.draft:
        plan.submitted_at = _moment(today - timedelta(days=100))
    if state is PlanState.returned:
        plan.return_reason = RETURN_REASON
    if running:
        plan.approved_at, plan.approved_by = _moment(today - timedelta(days=95)), office
        for item in plan.items:
            if item.milestones[0].confirmed_on:
                item.progress_notes.append(WorkPlanProgress(
                    note=f"{item.milestones[0].title}已完成，{item.responsible_unit}已报送阶段材料。", author=admin,
                    created_at=_moment(item.milestones[0].confirmed_on)))
    db.session.add(plan)
    db.session.flush()
    if chain.code == "ai":
        _revise(plan, admin, today)
    return plan


def _revise(plan: WorkPlan, admin: User | None, today: date) -> None:
    """The approved plan changed once since: the showcase item's last step a month later, 鄂州市 added."""
    db.session.add(WorkPlanRevision(plan=plan, revision_no=1, reason=REVISION_REASON, snapshot=snapshot(plan),
                                    author=admin, created_at=_moment(today - timedelta(days=20))))
    plan.revision_no = 1
    item = next(i for i in plan.items if i.category is C.promotion)
    item.regions = [*item.regions, "鄂州市"]
    item.end_date += timedelta(days=30)
    item.milestones[-1].due_on += timedelta(days=30)


def _key_link(chain: Chain, year: int, item: WorkPlanItem) -> KeyLink | None:
    """Key-link items name the chain's link of that year, where the demo has one."""
    if item.category is not C.key_link:
        return None
    return db.session.scalar(db.select(KeyLink).filter_by(chain_id=chain.id, year=year).order_by(KeyLink.id).limit(1))


def _last_year(chain: Chain, admin: User | None, office: User | None, today: date) -> WorkPlan:
    key_points, _, specs = PLANS[chain.code]
    year = today.year - 1
    start = date(year, 2, 20)
    plan = WorkPlan(chain=chain, year=year, key_points=f"（{year} 年）" + key_points, state=PlanState.approved,
                    created_by=admin, submitted_at=_moment(date(year, 2, 10)), approved_at=_moment(date(year, 2, 15)),
                    approved_by=office, created_at=_moment(date(year, 2, 1)))
    for n, spec in enumerate(specs):
        plan.items.append(_item(chain, n, spec, start + timedelta(days=20 * n), [40, 150, 260], 3,
                                start + timedelta(days=20 * n + 260)))
    db.session.add(plan)
    return plan


def seed_plans(chain_admins: dict[str, User]) -> int:
    """Every chain's plan for this year and last year, approved by the office; returns how many plans."""
    today = clock.today()
    chains = db.session.scalars(db.select(Chain).order_by(Chain.sort_order, Chain.id)).all()
    office = db.session.scalar(db.select(User).filter_by(is_platform_admin=True).order_by(User.id).limit(1))
    for chain in chains:
        admin = chain_admins.get(chain.code)
        _last_year(chain, admin, office, today)
        _this_year(chain, admin, office, today)
    db.session.flush()
    return 2 * len(chains)
