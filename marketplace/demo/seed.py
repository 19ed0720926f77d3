"""Demo data: the organisations, accounts and committees of `flask seed-demo`, all marked as demo."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from ..clock import utcnow
from ..credit_code import ALPHABET, check_character
from ..extensions import db
from ..models import Chain, ChainLead, Consent, ExpertMembership, Organisation, OrgRole, OrgStatus, OrgType, User
from ..services import consent, verification
from ..services.admins import office
from ..services.chains import check_may_lead_chain, ensure_chains
from .last_year import seed_last_year
from .leaders import seed_leaders

DEMO_PASSWORD = "demo-password"
DATA = Path(__file__).resolve().parent

# Administrative division codes (GB/T 2260) of the regions, for plausible credit codes.
DIVISION_CODES = {
    "武汉市": "420100", "黄石市": "420200", "十堰市": "420300", "宜昌市": "420500", "襄阳市": "420600",
    "鄂州市": "420700", "荆门市": "420800", "孝感市": "420900", "荆州市": "421000", "黄冈市": "421100",
    "咸宁市": "421200", "随州市": "421300", "恩施土家族苗族自治州": "422800", "仙桃市": "429004",
    "潜江市": "429005", "天门市": "429006", "神农架林区": "429021",
}
# Registration authority and type: 91 = company (工商), 12 = public institution (事业单位), 11 = government.
AUTHORITY_CODES = {OrgType.enterprise: "91", OrgType.university: "12", OrgType.institute: "12",
                   OrgType.other: "52", OrgType.government: "11"}

# Lead departments of the chains, each a government organisation of its own in the demo.
DEPARTMENTS = {
    "省发展改革委": "湖北省发展和改革委员会",
    "省经信厅": "湖北省经济和信息化厅",
    "省科技厅": "湖北省科学技术厅",
    "省生态环境厅": "湖北省生态环境厅",
    "省商务厅": "湖北省商务厅",
}

# Applicants still in the verification queue, so the admin pages have something to show.
QUEUE = (
    {"key": "pending-ent", "name": "荆门绿源再生资源科技有限公司", "type": "enterprise", "region": "荆门市",
     "status": "pending", "contact_name": "周涛", "contact_phone": "0724-2345678",
     "profile": "从事废旧锂电池梯次利用与再生材料回收，拟参与节能环保产业链攻关。",
     "document": "营业执照（演示样本）.pdf"},
    {"key": "pending-inst", "name": "鄂东智能制造产业技术研究院", "type": "institute", "region": "黄冈市",
     "status": "pending", "contact_name": "许静", "contact_phone": "0713-8123456",
     "profile": "地方政府与高校共建的新型研发机构，聚焦工业视觉检测与智能产线集成。"},
    {"key": "rejected-ent", "name": "汉口某贸易商行", "type": "enterprise", "region": "武汉市",
     "status": "rejected", "contact_name": "李明", "contact_phone": "027-85550000",
     "rejection_reason": "营业执照经营范围与平台服务对象不符，且未提供研发投入说明。", "profile": "电子元器件贸易。"},
)

# The accounts the README lists; tests and tooling rely on these exact names.
NAMED_ACCOUNTS = {
    "ai-ent-1": "enterprise@demo.example",
    "univ-main": "institution@demo.example",
    "exp-ai-1": "expert@demo.example",
}


def demo_credit_code(key: str, org_type: OrgType, region: str) -> str:
    """A credit code that passes the GB 32100 check, derived from the demo key (stable across runs)."""
    digest = hashlib.sha256(key.encode()).digest()
    body = "".join(ALPHABET[b % 10] for b in digest[:8]) + ALPHABET[digest[8] % len(ALPHABET)]
    first17 = AUTHORITY_CODES[org_type] + DIVISION_CODES.get(region, "420100") + body
    return first17 + check_character(first17)


def _load(name: str) -> list[dict]:
    path = DATA / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def has_data() -> bool:
    """Whether any non-government organisation exists (then seed-demo --if-empty does nothing)."""
    return db.session.scalar(
        db.select(db.func.count()).select_from(Organisation).where(Organisation.type != OrgType.government)
    ) > 0


class _Seeder:
    def __init__(self, progress):
        self.progress = progress
        self.password_hash = generate_password_hash(DEMO_PASSWORD)  # hashed once: seeding stays fast
        self.orgs: dict[str, Organisation] = {}
        self.chain_admins: dict[str, User] = {}
        self.org_chains: dict[str, list[str]] = {}
        self.chains = {c.code: c for c in db.session.scalars(db.select(Chain))}

    def organisation(self, key, name, org_type, region, status=OrgStatus.verified, **fields) -> Organisation:
        org = Organisation(
            name=name, type=org_type, region=region, status=status, is_demo=True,
            credit_code=demo_credit_code(key, org_type, region),
            verified_at=utcnow() if status is OrgStatus.verified else None, **fields,
        )
        db.session.add(org)
        self.orgs[key] = org
        return org

    def user(self, email, name, org, role=OrgRole.admin, **fields) -> User:
        user = User(email=email, name=name, organisation=org, org_role=role, password_hash=self.password_hash, **fields)
        db.session.add(user)
        # The demo accounts have accepted the 用户协议 and 隐私政策 in force, so the demo starts at its pages.
        terms, privacy = consent.current_versions()
        db.session.add(Consent(user=user, terms_version=terms, privacy_version=privacy, via=consent.VIA_DEMO))
        return user

    def government(self):
        platform_office = office()
        platform_office.is_demo = True
        self.user("admin@demo.example", "平台管理员（演示）", platform_office, is_platform_admin=True)
        departments = {}
        for short, full in DEPARTMENTS.items():
            departments[short] = self.organisation(f"gov-{short}", full, OrgType.government, "武汉市",
                                                   profile=f"{full}，承担相关产业链牵头部门职责。")
        for chain in self.chains.values():
            org = departments.get(chain.lead_department, platform_office)
            email = "chain-ai@demo.example" if chain.code == "ai" else f"chain-{chain.code}@demo.example"
            self.chain_admins[chain.code] = self.user(email, f"{chain.name}产业链专班（演示）", org, admin_chain=chain)
            check_may_lead_chain(self.chain_admins[chain.code])  # a government department's user, as the platform requires

    def organisations(self):
        records = _load("organisations.json")
        for record in records:
            org = self.organisation(
                record["key"], record["name"], OrgType(record["type"]), record["region"],
                contact_name=record.get("contact_name", ""), contact_phone=record.get("contact_phone", ""),
                website=record.get("website", ""), profile=record.get("profile", ""),
            )
            self.org_chains[record["key"]] = record.get("chains", [])
            email = NAMED_ACCOUNTS.get(record["key"], f"{record['key']}@demo.example")
            self.user(email, record.get("contact_name") or "机构管理员", org)
            for code in record.get("chain_lead_of", []):
                db.session.add(ChainLead(chain=self.chains[code], organisation=org))
        for record in QUEUE:
            org = self.organisation(
                record["key"], record["name"], OrgType(record["type"]), record["region"],
                status=OrgStatus(record["status"]), contact_name=record["contact_name"],
                contact_phone=record["contact_phone"], profile=record["profile"],
                rejection_reason=record.get("rejection_reason", ""),
            )
            user = self.user(f"{record['key']}@demo.example", record["contact_name"], org)
            if record.get("document"):
                db.session.flush()
                upload = FileStorage(io.BytesIO(sample_licence_pdf()), filename=record["document"])
                verification.upload(user, org, upload, current_app.instance_path)
        return len(records) + len(QUEUE)

    def experts(self):
        records = _load("experts.json")
        for record in records:
            email = NAMED_ACCOUNTS.get(record["key"], f"{record['key']}@demo.example")
            user = self.user(email, record["name"], self.orgs[record["org_key"]], role=OrgRole.member,
                             expert_title=record.get("title", ""), expertise=record["expertise"])
            for code in record["chains"]:
                db.session.add(ExpertMembership(user=user, chain=self.chains[code]))
        return len(records)


def sample_licence_pdf() -> bytes:
    """A one-page PDF that says it is a sample, standing in for a scanned 营业执照 in the demo queue."""
    text = b"BT /F1 18 Tf 72 720 Td (Sample business licence - demo data, not a real document) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def seed_demo(progress=print) -> str:
    """Create the demo data in an empty database; returns a one-line summary."""
    ensure_chains()
    seeder = _Seeder(progress)
    seeder.government()
    seed_leaders(seeder.user, seeder.chains)
    progress("已创建政府部门与管理员账号。")
    organisations = seeder.organisations()
    progress(f"已创建演示机构 {organisations} 家。")
    experts = seeder.experts()
    progress(f"已创建专家 {experts} 名。")
    db.session.flush()
    from .listings import seed_listings

    counts = seed_listings(seeder.orgs, seeder.org_chains, seeder.chain_admins, progress)
    from .lifecycle import seed_lifecycle

    work = seed_lifecycle(seeder.chain_admins, progress)
    from .plans import seed_plans

    progress(f"已创建年度工作计划 {seed_plans(seeder.chain_admins)} 份。")
    from .inbox import seed_inbox

    messages = seed_inbox()
    progress(f"已写入站内消息 {messages} 条。")
    last = seed_last_year(seeder.orgs, seeder.chain_admins, progress)  # after the walks over every listing
    from .supervision import seed_supervision  # after the plans and projects it chases

    seed_supervision(progress)

    from .reports import seed_reports

    progress(f"已写入上一年度各链年度工作总结 {seed_reports(seeder.chain_admins)} 份。")
    return (f"演示数据已加载：机构 {organisations} 家，专家 {experts} 名，榜单 {counts['challenges']} 个，"
            f"科研能力 {counts['capabilities']} 项，成果 {counts['achievements']} 项，"
            f"揭榜方案 {work['proposals']} 份，项目 {work['projects']} 个；"
            f"上一年度榜单 {last['challenges']} 个，项目 {last['projects']} 个。")


def demo_accounts() -> list[tuple[str, str]]:
    """The named demo accounts that exist in this database, with what each is for."""
    described = [
        ("admin@demo.example", "平台管理员"),
        ("chain-ai@demo.example", "人工智能产业链牵头部门（链管理员）"),
        ("enterprise@demo.example", "企业管理员（人工智能链主企业）"),
        ("institution@demo.example", "高校管理员（已认证）"),
        ("expert@demo.example", "人工智能专家委员会专家"),
        ("leader-ai@demo.example", "人工智能产业链链长（只读）"),
        ("chief@demo.example", "总链长（只读，全部产业链）"),
    ]
    existing = set(db.session.scalars(db.select(User.email).where(User.email.in_([e for e, _ in described]))))
    return [(email, text) for email, text in described if email in existing]
