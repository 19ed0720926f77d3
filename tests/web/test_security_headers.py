"""Headers every response carries; error pages in Chinese."""
import pytest
from pages import select


@pytest.mark.parametrize("path", ["/", "/auth/login", "/healthz", "/no-such-page"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_asset_is_loaded_from_another_host(client):
    urls = [node.attributes[name] or "" for name in ("src", "href") for node in select(client.get("/"), f"[{name}]")]
    assert any(url.endswith(".css") for url in urls) and any(url.endswith(".js") for url in urls)  # the assets are seen
    for url in urls:
        assert not url.strip().lower().startswith(("http:", "https:", "//")), url


def test_bootstrap_is_served_locally(client):
    response = client.get("/bootstrap/static/css/bootstrap.min.css")
    try:
        assert response.status_code == 200 and b"Bootstrap" in response.data[:400]
    finally:
        response.close()  # a streamed file: close it, or the open file handle warns


def test_403_page_is_chinese(client, auth, ctx):
    from factories import make_user

    from marketplace.extensions import db

    make_user("u@example.com")
    db.session.commit()
    auth.login("u@example.com")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_json_clients_get_problem_details(client):
    """JSON errors have one shape, RFC 9457's, whichever handler answers: the Chinese message is `detail`."""
    response = client.get("/admin/", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "请先登录。"}
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                                   "detail": "您访问的页面不存在或已被删除。"}
    response = client.get("/api/anything")  # any path under /api/ answers JSON, whatever it accepts
    assert response.status_code == 404 and response.get_json()["status"] == 404
