"""The OpenAPI document and its interactive documentation, served offline."""

from __future__ import annotations

import re

import pytest

from gateway.rpc_client import ServiceUnavailable
from tests.samples import PLACE

from .fakes import BOOKING, RESOURCE, FakeRpc, client, remote


def test_openapi_lists_the_api():
    fake = FakeRpc()
    api = client(fake)
    response = api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/bookings",
        "/api/bookings/{booking_id}",
        "/api/places",
        "/api/places/{place_id}",
        "/api/places/{place_id}/resources",
        "/api/capabilities",
    ):
        assert path in paths
    assert "post" in paths["/api/bookings"] and "post" in paths["/api/places"]
    assert "/metrics" not in paths
    assert api.get("/docs").status_code == 200
    assert fake.calls == []


def docs_page():
    response = client(FakeRpc()).get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_docs_page_references_only_same_origin_assets():
    html = docs_page()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert urls, html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in html and "https://" not in html
    assert "/openapi.json" in urls


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("script", "text/javascript"), ("stylesheet", "text/css"), ("icon", "image/png")],
)
def test_docs_assets_answer_with_their_content_type(kind, content_type):
    html = docs_page()
    patterns = {
        "script": r'<script src="([^"]+)"',
        "stylesheet": r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"',
        "icon": r'<link[^>]*rel="shortcut icon"[^>]*href="([^"]+)"',
    }
    [url] = re.findall(patterns[kind], html)
    response = client(FakeRpc()).get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].split(";")[0] == content_type
    assert len(response.content) > 500
    if kind == "script":
        assert b"SwaggerUIBundle" in response.content


def test_docs_serve_nothing_else_of_the_package():
    api = client(FakeRpc())
    assert api.get("/docs/assets/index.html").status_code == 404
    assert api.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404


def test_redoc_references_only_same_origin_assets():
    api = client(FakeRpc())
    response = api.get("/redoc")
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text
    urls = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", response.text)
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert api.get(url).status_code == 200, url
    [script] = re.findall(r'<script src="([^"]+)"', response.text)
    assert api.get(script).headers["content-type"].startswith("text/javascript")


def test_the_bundled_swagger_ui_reads_openapi_3_1():
    # Swagger UI 4 refuses FastAPI's OpenAPI 3.1 ("does not specify a valid version field").
    api = client(FakeRpc())
    assert api.get("/openapi.json").json()["openapi"].startswith("3.1")
    script = api.get("/docs/assets/swagger-ui-bundle.js").text
    assert re.search(r'"5\.\d+\.\d+"', script)


def test_the_oauth2_redirect_page_is_local():
    response = client(FakeRpc()).get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "https://" not in response.text


# --- every route documents every problem it can answer ---------------------------------------

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ADMIN_TOKEN = "openapi-test-token"


def api_operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    ]


def test_the_problem_schema_is_documented_once_with_its_members():
    document = client(FakeRpc()).get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code", "instance"}
    assert problem["properties"]["status"]["type"] == "integer"
    assert problem["additionalProperties"] is True  # an error's parameters are members
    assert "HTTPValidationError" not in schemas  # FastAPI's 422 shape is not what we answer


def test_every_route_lists_the_problems_its_kind_can_answer():
    document = client(FakeRpc()).get("/openapi.json").json()
    operations = api_operations(document)
    assert len(operations) >= 10
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {"500"}
        if method in ("post", "put", "patch"):
            expected |= {"413", "415"}
        if "requestBody" in operation:
            expected |= {"400", "422"}
        names = {p["name"].lower() for p in operation.get("parameters", [])}
        if names:
            expected.add("422")
        if "idempotency-key" in names:
            expected.add("400")
        if path.startswith("/api/admin/"):
            expected |= {"401", "403"}
        own_db = path == "/api/admin/audit" or (path, method) == ("/api/admin/roles", "get")
        if own_db or path.startswith(("/api/auth/", "/api/me")):
            expected.add("503")  # the gateway's own database away
        elif path not in ("/api/health", "/api/capabilities", "/api/ready"):
            expected |= {"503", "504", "404"}  # a service behind it: absent, silent, not found
        missing = expected - set(responses)
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
                assert response["description"]


SAMPLE_BODIES = {
    "/api/places": PLACE,
    "/api/places/{place_id}/resources": RESOURCE,
    "/api/bookings": BOOKING,
    "/api/admin/roles": {"email": "a@example.org", "role": "manager", "scope": "place:p1"},
}


class Failing(FakeRpc):
    """Every service call (probes aside) fails with ``error``."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def call(self, service, method, *args, **kwargs):
        if method == "health":
            return super().call(service, method, *args, **kwargs)
        raise self.error


def remote_failures():
    from contracts.errors import Conflict, Forbidden, MalformedRequest, NotFound, ValidationFailed
    from gateway.rpc_client import BusUnreachable, RpcTimeout

    return {
        "absent": ServiceUnavailable("booking", "not running"),
        "bus": BusUnreachable("booking", "message bus unreachable (StreamLostError)"),
        "timeout": RpcTimeout("booking", "no answer within 1 s"),
        "not found": remote("booking", NotFound("no x", what="x", id="x")),
        "conflict": remote("booking", Conflict("taken")),
        "forbidden": remote("booking", Forbidden("not yours", what="x", id="x")),
        "invalid": remote("booking", ValidationFailed("bad", errors=[])),
        "malformed": remote("booking", MalformedRequest("bad")),
        "unexpected": RuntimeError("boom"),
    }


def request_for(path: str, method: str, operation: dict, **changes) -> dict:
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = "booking" if parameter["name"] == "service" else "x"
            url = url.replace("{" + parameter["name"] + "}", value)
    request = {
        "method": method.upper(),
        "url": url,
        "headers": {"Authorization": f"Bearer {ADMIN_TOKEN}"},
    }
    if "requestBody" in operation:
        request["json"] = SAMPLE_BODIES.get(path, {})
    request.update(changes)
    return request


def test_every_problem_a_route_answers_is_documented():
    """Drive every route into each failure and check its status is in the document."""
    document = client(FakeRpc()).get("/openapi.json").json()
    seen: set[tuple[str, str, int]] = set()

    def check(api, path, method, operation, **changes):
        response = api.request(**request_for(path, method, operation, **changes))
        seen.add((method, path, response.status_code))
        documented = operation["responses"]
        assert str(response.status_code) in documented, (
            f"{method.upper()} {path} answered {response.status_code}, not documented: "
            f"{response.text[:200]}"
        )

    # One app per kind of failure, shared by every route (building an app is what costs).
    failing = [client(Failing(e), admin_token=ADMIN_TOKEN) for e in remote_failures().values()]
    small_bodies = client(FakeRpc(), admin_token=ADMIN_TOKEN, max_body_bytes=64)
    for path, method, operation in api_operations(document):
        for api in failing:
            check(api, path, method, operation)
        api = small_bodies
        if method == "post":
            check(api, path, method, operation, json={"pad": "x" * 100})  # 413
            check(api, path, method, operation, json=None, content=b"x", headers={})  # 415
        if "requestBody" in operation:
            check(
                client(FakeRpc(), admin_token=ADMIN_TOKEN),
                path,
                method,
                operation,
                json=None,
                content=b"{not json",
                headers={"Content-Type": "application/json", "Authorization": "x"},
            )
        if path.startswith("/api/admin/"):
            check(api, path, method, operation, headers={"Authorization": "Bearer wrong"})
            check(client(FakeRpc()), path, method, operation)  # no token configured: 401
    statuses = {status for _, _, status in seen}
    assert {400, 401, 403, 404, 409, 413, 415, 422, 500, 503, 504} <= statuses, statuses


def test_the_idempotency_key_is_documented_as_the_gateway_accepts_it():
    # Without its pattern, a client (and schemathesis) sends keys the gateway refuses with 400.
    from gateway.deps import KEY_PATTERN

    document = client(FakeRpc()).get("/openapi.json").json()
    keys = [
        parameter
        for _, _, operation in api_operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    ]
    assert len(keys) >= 3
    for parameter in keys:
        assert parameter["schema"]["pattern"] == KEY_PATTERN.pattern
