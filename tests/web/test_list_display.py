"""Lists page through their results (a page past the end shows the last page) and amounts read alike."""
import re

import pytest
from factories import make_challenge, make_org

from marketplace.extensions import db


@pytest.fixture
def listings(ctx):
    poster = make_org("分页测试企业")
    for n in range(25):
        make_challenge(poster, title=f"分页榜单{n:02d}号液冷散热")
    db.session.commit()


def titles(html: str) -> set[str]:
    return set(re.findall(r"分页榜单\d\d号", html))


@pytest.mark.parametrize("query", ["", "&q=液冷散热"])
def test_second_page_holds_the_rest(client, listings, query):
    first, second = client.get(f"/challenges/?page=1{query}"), client.get(f"/challenges/?page=2{query}")
    assert len(titles(first.text)) == 20 and len(titles(second.text)) == 5
    assert not titles(first.text) & titles(second.text)
    assert "共 25 条，第 2 / 2 页" in second.text


@pytest.mark.parametrize("query", ["", "&q=液冷散热"])
@pytest.mark.parametrize("page, shown", [(999, 2), (0, 1), (-3, 1), (10**20, 2)])
def test_page_out_of_range_shows_the_nearest_page(client, listings, query, page, shown):
    response = client.get(f"/challenges/?page={page}{query}")
    assert response.status_code == 200
    assert f"共 25 条，第 {shown} / 2 页" in response.text
    assert len(titles(response.text)) == (5 if shown == 2 else 20)


@pytest.mark.parametrize("amount, shown", [("800", "800"), ("800.00", "800"), ("1250.50", "1,250.5"), ("0.75", "0.75"),
                                           ("12000", "12,000"), (None, "")])
def test_amounts_in_wan_read_the_same_everywhere(amount, shown):
    from decimal import Decimal

    from marketplace.templating import wan

    assert wan(Decimal(amount) if amount is not None else None) == shown


def test_budget_shown_alike_in_hall_and_on_the_listing(client, ctx):
    from decimal import Decimal

    challenge = make_challenge(make_org("榜额企业"), title="榜额显示测试", budget_wan=Decimal("1250.50"))
    db.session.commit()
    assert "榜额 1,250.5 万元" in client.get("/challenges/").text
    assert "1,250.5 万元" in client.get(f"/challenges/{challenge.id}").text


@pytest.mark.parametrize("url", ["/publicity/", "/capabilities/", "/achievements/"])
def test_absurd_page_numbers_are_no_server_error(client, listings, url):
    assert client.get(f"{url}?page={10**20}").status_code == 200
