"""Every answer carries the security headers; CORS only for the origins an operator names."""

from __future__ import annotations

import pytest

from .fakes import BOOKING, BOOKING_OUT, FakeRpc, client

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/api/health", {}),
        ("get", "/api/nowhere", {}),  # a problem from routing
        ("post", "/api/bookings", {"content": b"x", "headers": {"Content-Type": "text/plain"}}),
        ("get", "/unsubscribe", {}),  # a page
        ("get", "/static/style.css", {}),
    ],
)
def test_every_answer_carries_the_headers(method, path, kwargs):
    response = getattr(client(FakeRpc()), method)(path, **kwargs)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert "server" not in response.headers


def test_the_pages_allow_the_map_tiles_origin_only_when_configured():
    plain = client(FakeRpc()).get("/api/health").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in plain
    tiles = client(FakeRpc(), map_tiles_url="https://tiles.example.org/{z}/{x}/{y}.png")
    policy = tiles.get("/api/health").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in policy


def test_the_api_docs_get_their_inline_script_and_nothing_more():
    policy = client(FakeRpc()).get("/docs").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy


def test_hsts_only_over_https():
    assert "Strict-Transport-Security" not in client(FakeRpc()).get("/api/health").headers
    secure = client(FakeRpc(), public_url="https://verdon.maillage.example")
    hsts = secure.get("/api/health").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


def test_no_cross_origin_access_by_default():
    response = client(FakeRpc()).options(
        "/api/bookings",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_a_configured_origin_may_call_the_api_with_a_bearer_token():
    api = client(
        FakeRpc(script={("booking", "create_booking"): BOOKING_OUT}),
        cors_origins="https://app.verdon.example, https://other.example/",
    )
    preflight = api.options(
        "/api/bookings",
        headers={
            "Origin": "https://app.verdon.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.verdon.example"
    stranger = api.options(
        "/api/bookings",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in stranger.headers
    made = api.post("/api/bookings", json=BOOKING, headers={"Origin": "https://other.example"})
    assert made.headers["access-control-allow-origin"] == "https://other.example"
