"""Recommendations from the live match index: explained, current, respectful of visibility."""
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from factories import (
    make_chain_admin,
    make_challenge,
    make_expert,
    make_org,
    make_platform_admin,
    make_proposal,
    make_user,
)
from pages import only, options, select, text_of, texts

from marketplace.extensions import db
from marketplace.models import (
    Capability,
    ChallengeInvitation,
    ChallengeState,
    IndexChange,
    ListingStatus,
    OrgType,
    RecommendationEvent,
    Visibility,
)
from marketplace.services import match_index
from marketplace.services.chains import chain_by_code

ROOT = Path(__file__).resolve().parents[2]


def capability(org, title, description, chain="ai"):
    cap = Capability(organisation=org, chains=[chain_by_code(chain)], title=title, description=description,
                     direction="", keywords="")
    db.session.add(cap)
    db.session.flush()
    return cap


@pytest.fixture
def world(ctx):
    poster = make_org("发榜企业")
    make_user("poster@example.com", poster)
    make_user("other@example.com", make_org("无关企业"))
    cooling = make_org("传热研究院", type=OrgType.institute, region="襄阳市")
    make_user("cooling@example.com", cooling)
    textile = make_org("纺织大学", type=OrgType.university)
    make_user("textile@example.com", textile)
    make_chain_admin("chain-ai@example.com", "ai")
    capability(cooling, "液冷冷板散热技术", "微通道冷板 液冷 散热 热阻 测试平台")
    capability(textile, "再生涤纶纺丝", "再生涤纶 熔体直纺 特性黏度 纺丝")
    challenge = make_challenge(poster, ChallengeState.published, title="液冷冷板散热系统研制",
                               keywords="液冷, 冷板, 散热")
    db.session.commit()
    return {"challenge": challenge.id, "cooling": cooling.id, "textile": textile.id}


def page(client, world):
    return client.get(f"/challenges/{world['challenge']}").get_data(as_text=True)


RECOMMENDED = 'section[aria-labelledby="rec-heading"]'
SIMILAR = 'section[aria-labelledby="similar-heading"]'


def test_owner_sees_explained_recommendations_grouped_by_institution(client, auth, world):
    auth.login("poster@example.com")
    html = page(client, world)
    section = only(html, RECOMMENDED)
    assert text_of(section, "h2") == "推荐揭榜机构" and "传热研究院" in text_of(section) and "纺织大学" not in html
    assert {"冷板", "散热"} <= set(texts(section, "mark"))  # the shared words, highlighted


def test_explanations_leave_out_numbers_and_filler_and_keep_the_writers_case(app, world):
    from marketplace.models import Challenge
    from marketplace.services.recommend import candidates

    capability(make_org("数据中心研究院", type=OrgType.institute), "数据中心PUE优化",
               "公司面向数据中心，PUE 1.15 以下，液冷 50 kW 机柜，杂质 5 mg，求解器是自研的，技术研究")
    challenge = make_challenge(make_org("另一发榜企业"), ChallengeState.published, title="数据中心PUE降低",
                               keywords="PUE, 液冷", indicators="PUE 1.15 以下，50 kW 机柜，杂质 5 mg", background="公司面向技术研究，求解器是自研的")
    db.session.commit()
    with app.test_request_context():
        groups = candidates.for_challenge(db.session.get(Challenge, challenge.id))
        words = {w for g in groups if g.organisation.name == "数据中心研究院" for item in g.items for w in item.words}
    assert "PUE" in words and "pue" not in words and "机柜" in words
    assert not words & {"1.15", "50", "公司", "面向", "技术", "研究", "kw", "kW", "mg", "器是"}


def test_explanations_are_words_of_both_texts(app, world):
    from marketplace.models import Challenge
    from marketplace.services.recommend import candidates

    with app.test_request_context():
        groups = candidates.for_challenge(db.session.get(Challenge, world["challenge"]))
        challenge = db.session.get(Challenge, world["challenge"])
        query_text = candidates.challenge_query(challenge)
        for group in groups:
            for item in group.items:
                assert item.words
                for word in item.words:
                    row = db.session.get(Capability, item.obj.id)  # the groups hold plain values; check the row
                    assert word in query_text and word in (row.title + row.description)


@pytest.mark.parametrize("who", [None, "other@example.com", "cooling@example.com"])
def test_others_do_not_see_recommendations(client, auth, world, who):
    if who:
        auth.login(who)
    assert "推荐揭榜机构" not in page(client, world)


def test_new_capability_shows_up_and_archived_one_disappears(client, auth, world):
    auth.login("poster@example.com")
    assert "石墨烯导热研究中心" not in page(client, world)  # builds the index
    graphene = make_org("石墨烯导热研究中心", type=OrgType.institute)
    # Matches well enough to pass the relevance cutoff (in a corpus of four, 液冷 and 冷板 alone weigh little).
    cap = capability(graphene, "石墨烯液冷冷板散热界面材料", "智算中心 液冷 冷板 散热 热阻 界面材料 导热")
    db.session.commit()
    assert "石墨烯导热研究中心" in page(client, world)  # no rebuild: the change log was replayed
    cap.status = ListingStatus.archived
    db.session.commit()
    assert "石墨烯导热研究中心" not in page(client, world)


def test_changes_are_logged_once_per_document(world):
    def logged() -> Counter:
        return Counter(db.session.scalars(db.select(IndexChange.doc_id)))

    made = logged()
    assert {key.split(":")[0] for key in made} == {"cap", "ch", "exp"}
    assert set(made.values()) == {1}, made  # each new document once, whatever else its flush wrote
    cap = db.session.scalar(db.select(Capability).filter_by(title="液冷冷板散热技术"))
    org = cap.organisation  # loaded first: loading it later would flush the edits below separately
    # One write touches the capability three ways: two of its fields, and its organisation (whose
    # change logs every listing of it): still one entry for the capability.
    cap.title, cap.description = "液冷冷板散热与测试技术", "微通道冷板 液冷 散热 热阻 测试平台 CDU"
    org.region = "武汉市"
    db.session.commit()
    assert logged() - made == Counter({f"cap:{cap.id}": 1})


def test_two_processes_see_each_others_changes(app, client, auth, world):
    """Another process adds a capability; this process's next request finds it."""
    auth.login("poster@example.com")
    assert "异地研究所" not in page(client, world)
    script = (
        "import sys; from marketplace import create_app; from marketplace.extensions import db;"
        "from marketplace.models import Capability, Organisation, OrgType, OrgStatus;"
        "from marketplace.services.chains import chain_by_code;"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {app.config['SQLALCHEMY_DATABASE_URI']!r},"
        f" 'SECRET_KEY': 'x', 'INSTANCE_PATH': {app.instance_path!r}}});"
        "ctx = app.app_context(); ctx.push();"
        "org = Organisation(name='异地研究所', type=OrgType.institute, credit_code='91420100000000009X',"
        " region='宜昌市', status=OrgStatus.verified);"
        "db.session.add(Capability(organisation=org, chains=[chain_by_code('ai')], title='液冷冷板工艺',"
        " description='液冷 冷板 钎焊', direction='', keywords=''));"
        "db.session.commit()"
    )
    from marketplace.credit_code import check_character

    code = "91420100000000009" + check_character("91420100000000009")
    script = script.replace("91420100000000009X", code)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, env=dict(os.environ))
    assert "异地研究所" in page(client, world)


def test_corrupt_index_file_is_rebuilt(app, client, auth, world):
    auth.login("poster@example.com")
    page(client, world)
    folder = Path(app.instance_path) / "index"
    assert (folder / "matcher.npz").exists()
    (folder / "matcher.npz").write_bytes(b"not an index")
    match_index._indexes.clear()  # as a freshly started worker
    assert "传热研究院" in page(client, world)
    from matching import Matcher

    assert len(Matcher.load(folder / "matcher.npz")) >= 3  # rewritten, loadable again


def test_invited_only_challenge_is_not_recommended_to_others(client, auth, world):
    from marketplace.models import Challenge, Organisation

    hidden = make_challenge(db.session.get(Challenge, world["challenge"]).organisation, ChallengeState.published,
                            title="保密液冷冷板项目", keywords="液冷, 冷板", visibility=Visibility.invited)
    db.session.commit()
    auth.login("cooling@example.com")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "液冷冷板散热系统研制" in dashboard and "保密液冷冷板项目" not in dashboard
    db.session.add(ChallengeInvitation(challenge=hidden, organisation=db.session.get(Organisation, world["cooling"])))
    db.session.commit()
    assert "保密液冷冷板项目" in client.get("/dashboard").get_data(as_text=True)


def test_reviewer_suggestions_rank_by_expertise_and_exclude_conflicts(client, auth, world):
    from marketplace.models import Challenge, Organisation, Review

    challenge = db.session.get(Challenge, world["challenge"])
    proposal = make_proposal(challenge, db.session.get(Organisation, world["cooling"]),
                             technical_plan="液冷 冷板 微通道 散热 设计")
    fit = make_expert("fit@example.com")
    fit.expertise, fit.name = "液冷 冷板 散热 传热 强化", "对口专家"
    other = make_expert("other-expert@example.com")
    other.expertise, other.name = "自然语言处理 机器翻译", "不对口专家"
    conflicted = make_expert("own@example.com", org=db.session.get(Organisation, world["cooling"]))
    conflicted.name = "本单位专家"
    db.session.commit()
    auth.login("chain-ai@example.com")
    choices = options(client.get(f"/challenges/{challenge.id}/evaluation"), f"#expert-{proposal.id}")
    by_id = {int(choice.value): choice for choice in choices}
    assert [int(c.value) for c in choices if int(c.value) in (fit.id, other.id, conflicted.id)] == \
        [fit.id, other.id, conflicted.id]
    assert by_id[fit.id].text.startswith("对口专家") and by_id[other.id].text.startswith("不对口专家")
    assert by_id[conflicted.id].disabled and "回避：专家来自揭榜牵头单位" in by_id[conflicted.id].text
    assert not by_id[fit.id].disabled and not by_id[other.id].disabled
    assert client.post(f"/proposals/{proposal.id}/reviewers", data={"expert_id": fit.id}).status_code == 303
    event = db.session.scalar(db.select(RecommendationEvent).filter_by(kind="assigned"))
    assert event.doc_id == f"exp:{fit.id}" and event.query_id == f"prop:{proposal.id}"
    assert db.session.scalars(db.select(Review.expert_id).filter_by(proposal_id=proposal.id)).all() == [fit.id]


def test_feedback_is_stored_and_exported_as_beir(app, client, auth, world, tmp_path, runner):
    auth.login("poster@example.com")
    page(client, world)
    response = client.post("/recommendations/feedback", data={
        "context": "challenge_institutions", "query_id": f"ch:{world['challenge']}", "doc_id": f"org:{world['cooling']}",
        "kind": "useful", "rank": "1", "score": "3.2", "next": f"/challenges/{world['challenge']}"})
    assert response.status_code == 303
    client.post("/recommendations/feedback", data={
        "context": "challenge_institutions", "query_id": f"ch:{world['challenge']}", "doc_id": f"org:{world['textile']}",
        "kind": "not_useful", "rank": "2", "score": "0.1"})
    assert client.post("/recommendations/feedback", data={"context": "nope", "kind": "useful"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(RecommendationEvent)) == 2
    folder = tmp_path / "beir"
    result = runner.invoke(args=["export-feedback", str(folder)])
    assert result.exit_code == 0, result.output
    qrels = (folder / "qrels.tsv").read_text().splitlines()
    assert qrels[0] == "query-id\tcorpus-id\tscore"
    assert f"ch:{world['challenge']}\torg:{world['cooling']}\t1" in qrels
    assert f"ch:{world['challenge']}\torg:{world['textile']}\t0" in qrels
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").read_text().splitlines()]
    assert {d["_id"] for d in corpus} == {f"org:{world['cooling']}", f"org:{world['textile']}"}
    evaluated = subprocess.run([sys.executable, "-m", "matching.eval", str(folder), "--json", "--no-baselines"],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    assert "ndcg" in evaluated.stdout.lower()


def test_reindex_command_rebuilds_with_progress(app, runner, world):
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "索引已重建：" in result.output and "建立匹配索引" in result.output
    assert (Path(app.instance_path) / "index" / "meta.json").exists()


def test_weekly_digest_once_a_week(app, client, auth, world):
    from datetime import timedelta

    from marketplace import clock
    from marketplace.models import Notification
    from marketplace.notifications.digest import send_weekly_digests

    with app.test_request_context():
        assert send_weekly_digests() >= 1
        db.session.commit()
        assert send_weekly_digests() == 0  # nothing more within the week
        note = db.session.scalar(db.select(Notification).filter_by(category="digest").join(Notification.user)
                                 .where(Notification.user.has(email="cooling@example.com")))
        assert "液冷冷板散热系统研制" in note.body and "共同关键词" in note.body
        assert re.search(r"匹配度 \d{1,3}；", note.body)  # the match index, not a raw score
        assert send_weekly_digests(clock.today() + timedelta(days=6)) == 0
        assert send_weekly_digests(clock.today() + timedelta(days=7)) >= 1


def test_admin_report_counts_feedback_per_chain(client, auth, world, ctx):
    from marketplace.services import recommend_feedback

    make_platform_admin("root@example.com")
    recommend_feedback.record(None, "challenge_institutions", "ch:1", "org:2", "useful", chain_by_code("ai").id)
    recommend_feedback.record(None, "challenge_institutions", "ch:1", "org:3", "invited", chain_by_code("ai").id)
    db.session.commit()
    auth.login("root@example.com")
    rows = {text_of(tr, "th"): texts(tr, "td") for tr in select(client.get("/recommendations/report"), "tbody tr")}
    # 有用, 不相关, 有用占比, 邀请, 入围, 立项, 分配评审, 促成行动合计
    assert rows["人工智能"] == ["1", "0", "100%", "1", "0", "0", "0", "1"]
    client.post("/auth/logout")
    auth.login("poster@example.com")
    assert client.get("/recommendations/report").status_code == 403


def test_similar_listings_do_not_reveal_others_submitted_drafts(client, auth, world, ctx):
    """A draft's duplicate check shows published look-alikes, never another company's listing under review."""
    from marketplace.models import Challenge

    mine = make_challenge(db.session.get(Challenge, world["challenge"]).organisation, ChallengeState.draft,
                          title="液冷冷板散热系统二期", keywords="液冷, 冷板, 散热")
    rival = make_org("竞争企业")
    make_challenge(rival, ChallengeState.submitted, title="竞争对手的液冷冷板散热需求", keywords="液冷, 冷板, 散热")
    db.session.commit()
    auth.login("poster@example.com")
    similar = texts(only(client.get(f"/challenges/{mine.id}"), SIMILAR), "li > a")
    assert "液冷冷板散热系统研制" in similar and "竞争对手的液冷冷板散热需求" not in similar
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")  # the lead department reviewing both sees the pending one too
    submitted = make_challenge(db.session.get(Challenge, world["challenge"]).organisation, ChallengeState.submitted,
                               title="待审的液冷冷板散热系统", keywords="液冷, 冷板, 散热")
    db.session.commit()
    assert "竞争对手的液冷冷板散热需求" in texts(only(client.get(f"/challenges/{submitted.id}"), SIMILAR), "li > a")


def test_duplicates_report_lists_only_likely_duplicates_by_similarity(client, auth, world, ctx):
    from marketplace.models import Challenge

    original = db.session.get(Challenge, world["challenge"])
    copy = make_challenge(make_org("第二家发榜企业"), ChallengeState.submitted, title="液冷冷板散热系统研制（二）",
                          keywords=original.keywords, background=original.background, difficulty=original.difficulty,
                          indicators=original.indicators)
    make_challenge(make_org("管路企业"), ChallengeState.published, title="机房管路漏液秒级检测与定位",
                   keywords="漏液检测, 传感器", background="机房管路接头多，漏液发现晚，损失大。",
                   difficulty="分布式漏液传感与定位算法，兼顾液冷管路。", indicators="报警响应 ≤ 1 s",
                   expected_outcome="检测系统样机 1 套")
    make_platform_admin("root@example.com")
    db.session.commit()
    auth.login("root@example.com")
    rows = select(client.get("/recommendations/duplicates"), "tbody tr")
    pairs = [texts(tr, "td > a") for tr in rows]  # [listing, its most similar listing]
    assert any("液冷冷板散热系统研制（二）" in pair for pair in pairs), pairs
    assert not any("机房管路漏液" in title for pair in pairs for title in pair), pairs
    for tr in rows:  # only likely duplicates are listed, each with its share and the flag
        share = re.fullmatch(r"(\d+)% 疑似重复", text_of(tr, "td:nth-child(3)"))
        assert share and 30 <= int(share.group(1)) <= 100, text_of(tr)
    everything = client.get("/recommendations/duplicates?all=1").get_data(as_text=True)
    assert "机房管路漏液" in everything  # paired with a cooling listing far below the threshold, unflagged
    # The owner of the copy is warned on its page before the lead department publishes it.
    client.post("/auth/logout")
    auth.login("chain-ai@example.com")
    page = client.get(f"/challenges/{copy.id}").get_data(as_text=True)
    assert "可能重复的已有榜单" in page and "审核时请确认不是重复发布" in page
