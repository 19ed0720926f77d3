"""Demo data for the year-end reports: last year's narrative (年度工作总结) of every chain's lead department,
so the finished year's report is complete. Years are relative to `clock.today()`."""
from __future__ import annotations

from .. import clock
from ..extensions import db
from ..models import ChainReport
from ..services.chains import all_chains

# What each department says about its year, in the register of a 年度工作完成情况报告.
NARRATIVES = {
    "compute": (
        "一年来，我们围绕全国一体化算力网络枢纽节点建设，牵头推进智算中心集群、液冷数据中心和数据要素市场建设，"
        "统筹省内算力资源调度，全省智算规模稳步提升。\n"
        "在关键缺失环节攻关方面，聚焦高密度液冷、算力调度操作系统和可信数据空间，组织链主企业发榜，"
        "高校院所踊跃揭榜，立项项目均已通过验收；省领导小组办公室督办的算力网络建设行动方案编制事项已按期报送完成情况。\n"
        "存在的主要问题是部分项目配套资金到位偏慢、数据流通交易规则尚待完善。下一步将加强督导，"
        "推动已立项项目按期验收，并谋划新一年的关键缺失环节。"),
    "ai": (
        "全年以“链主出题、链创答题”为主线，组织人工智能链主企业围绕大模型推理加速、智能芯片适配、"
        "工业视觉检测等方向发布榜单，推动省内高校院所与企业联合攻关。\n"
        "工作清单所列事项全部按期完成，行业语料库共建共享事项克服数据授权协调难点如期交付。\n"
        "下一步将加快成果在制造业场景中的转化应用，完善揭榜项目的里程碑管理，力争更多项目通过验收。"),
    "software": (
        "围绕基础软件和工业软件短板，组织企业梳理需求，推动工业设计仿真、嵌入式操作系统等方向发榜攻关，"
        "并同步开展信创适配验证平台建设。\n"
        "全年工作清单总体按计划推进，软件名城创建相关工作取得阶段性成效。下一步将强化与重点行业用户的对接，"
        "以应用牵引带动国产软件迭代。"),
    "quantum": (
        "我们聚焦量子通信、量子计算和量子精密测量三个方向，依托省内国家级创新平台，组织开展核心器件和关键工艺攻关，"
        "推动量子技术工程化。\n"
        "受研发周期较长影响，部分项目仍处于实施阶段。下一步将加强产学研协同，推动示范应用场景开放。"),
    "textile": (
        "全年推动纺织服装产业高端化、智能化、绿色化转型，组织功能性面料、智能裁剪与柔性生产线等方向揭榜攻关，"
        "支持重点企业建设数字化车间。\n"
        "工作清单事项总体完成较好，品牌推介活动按期举办。下一步将加大绿色印染技术推广力度，"
        "提升产业链本地配套水平。"),
    "green": (
        "围绕高效节能装备、污染治理与资源循环利用，组织链主企业发布技术需求，推动揭榜项目在重点园区示范应用。\n"
        "全年开展补链招商对接活动多场，节能环保装备本地配套率有所提高。下一步将聚焦碳减排关键技术，"
        "加快成果转化落地。"),
    "appliance": (
        "以智能家电整机企业为牵引，组织变频控制、健康家电、智能互联等方向的技术攻关，推动上下游协同创新。\n"
        "部分关键零部件仍依赖外省配套，已列入新一年补链招商重点。下一步将加强与高校院所的常态化对接。"),
    "materials": (
        "围绕光电子材料、高性能纤维及复合材料、先进金属材料等方向组织发榜，推动关键材料国产化替代。\n"
        "全年立项项目进展总体顺利，个别项目因中试条件不足有所延后。下一步将推动建设共享中试平台，"
        "缩短新材料从实验室到生产线的周期。"),
}


def seed_reports(chain_admins: dict) -> int:
    """Last year's narrative for every chain, written by its department's demo account; returns how many."""
    last_year = clock.today().year - 1
    made = 0
    for chain in all_chains():
        text = NARRATIVES.get(chain.code)
        if text is None:
            continue
        db.session.add(ChainReport(chain=chain, year=last_year, narrative=text, updated_by=chain_admins.get(chain.code)))
        made += 1
    db.session.flush()
    return made
