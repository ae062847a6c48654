def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Request-Id"]


def test_login_page_is_chinese_and_has_no_inline_script(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html
    assert "<script>" not in html
    assert "cdn" not in html.lower()


def test_unknown_page_gives_a_chinese_404_without_stack_trace(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "未找到" in html and "Traceback" not in html


def test_api_404_is_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
