"""The health check and the home page."""


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_lists_the_eight_chains_in_chinese(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    for name in ["算力与大数据", "人工智能", "软件和信息服务", "量子科技", "现代纺织服装", "节能环保", "智能家电", "新材料"]:
        assert name in html


def test_chain_page_lists_leads_and_counts_the_committee(client, ctx):
    from factories import make_expert, make_org

    from marketplace.extensions import db
    from marketplace.models import ChainLead
    from marketplace.services.chains import chain_by_code

    lead = make_org("武汉链主科技有限公司")
    db.session.add(ChainLead(chain=chain_by_code("ai"), organisation=lead))
    make_expert("e@example.com").name = "周专家"
    db.session.commit()
    html = client.get("/chains/ai").get_data(as_text=True)
    assert "武汉链主科技有限公司" in html and "现有专家 1 人" in html
    assert "周专家" not in html  # reviewers' names are not public (tests/web/test_committee_privacy.py)
    assert client.get("/chains/nope").status_code == 404


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
