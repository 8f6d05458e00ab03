"""The HTTP edge, whatever the route: problem+json and the mapping of service errors, body
limits and content types, the correlation id, the idempotency key."""

from __future__ import annotations

import json

import pytest

from contracts.booking import EndNotAfterStart, NoSeatLeft
from contracts.errors import Conflict, IdempotencyMismatch, NotFound, ValidationFailed
from gateway.rpc_client import RemoteError, RpcTimeout
from tests.samples import PLACE

from .fakes import (
    BOOKING,
    BOOKING_OUT,
    HEX32,
    PLACE_OUT,
    RESOURCE,
    RESOURCE_OUT,
    FakeRpc,
    app_for,
    client,
    is_problem,
    page_of,
    remote,
)

# --- error mapping ---------------------------------------------------------------------------


def test_no_seat_left_is_409_with_its_numbers_in_french():
    error = NoSeatLeft("full", seats_total=3, seats_taken=3, seats_requested=1)
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    body = is_problem(client(fake).post("/api/bookings", json=BOOKING), 409, "no_seat_left")
    assert body["title"] == "Plus de place disponible"
    assert body["detail"] == (
        "Il ne reste pas assez de places à ce moment-là : 3 sur 3 sont déjà prises, "
        "vous en demandez 1."
    )
    assert body["instance"] == "/api/bookings"
    # Numbers cross RPC as JSON text in exc_args[1] and come back as numbers.
    assert (body["seats_total"], body["seats_taken"], body["seats_requested"]) == (3, 3, 1)


def test_no_seat_left_is_in_english_when_asked():
    error = NoSeatLeft("full", seats_total=3, seats_taken=3, seats_requested=1)
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    response = client(fake).post(
        "/api/bookings", json=BOOKING, headers={"Accept-Language": "en-GB,en;q=0.8,fr;q=0.5"}
    )
    body = is_problem(response, 409, "no_seat_left")
    assert body["title"] == "No seat left"
    assert "3 of 3 are taken" in body["detail"]


def test_validation_failed_is_422_with_errors():
    errors = [{"field": "location.lat", "message": "Input should be less than or equal to 90"}]
    error = ValidationFailed("invalid data", errors=errors)
    fake = FakeRpc(script={("directory", "create_place"): remote("directory", error)})
    body = is_problem(client(fake).post("/api/places", json=PLACE), 422, "validation_failed")
    assert body["title"] == "Données invalides"
    assert body["errors"] == errors


def test_domain_rule_refusal_keeps_its_field():
    error = EndNotAfterStart("end must be after start", field="end")
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    body = is_problem(client(fake).post("/api/bookings", json=BOOKING), 422, "end_not_after_start")
    assert body["detail"] == "La fin doit venir après le début."
    assert body["field"] == "end"


def test_not_found_is_404():
    error = NotFound("no booking x", what="booking", id="x")
    fake = FakeRpc(script={("booking", "get_booking"): remote("booking", error)})
    body = is_problem(client(fake).get("/api/bookings/x"), 404, "not_found")
    assert body["detail"] == "Nous ne trouvons pas cet élément (x)."
    assert body["instance"] == "/api/bookings/x"
    assert fake.domain_calls()[0].args == ("x",)


def test_idempotency_mismatch_is_409():
    error = IdempotencyMismatch("key reused", what="booking")
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": "k1"})
    body = is_problem(response, 409, "idempotency_key_reused")
    assert body["title"] == "Clé d'idempotence déjà utilisée"


def test_extras_cannot_overwrite_the_standard_fields():
    error = Conflict("taken", status=200, type="x", title="x", detail="x", n=1)
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    body = is_problem(client(fake).post("/api/bookings", json=BOOKING), 409, "conflict")
    assert (body["title"], body["n"]) == ("Conflit", 1)
    assert body["detail"] == "Cette demande entre en conflit avec une autre."


def test_extras_named_code_or_instance_do_not_turn_a_conflict_into_500():
    error = Conflict("taken", code="slot_taken", instance="elsewhere")
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    body = is_problem(client(fake).post("/api/bookings", json=BOOKING), 409, "conflict")
    assert body["instance"] == "/api/bookings"


def test_unknown_remote_error_is_500_without_the_remote_message():
    secret = "pymongo.errors.OperationFailure: auth failed for user admin at 10.0.0.7"
    fake = FakeRpc(
        script={
            ("booking", "get_booking"): RemoteError(
                "booking", {"exc_type": "OperationFailure", "exc_args": [secret], "value": secret}
            )
        }
    )
    response = client(fake).get("/api/bookings/b1")
    body = is_problem(response, 500, "internal_error")
    assert body["service"] == "booking"
    assert "OperationFailure" not in response.text
    assert "10.0.0.7" not in response.text
    assert "auth failed" not in response.text


def test_unexpected_gateway_error_is_500_problem():
    fake = FakeRpc(script={("booking", "get_booking"): RuntimeError("boom in the gateway")})
    response = client(fake).get("/api/bookings/b1")
    is_problem(response, 500, "internal_error")
    assert "boom" not in response.text


def test_service_unavailable_is_503_with_the_service():
    fake = FakeRpc(down={"booking"})
    body = is_problem(client(fake).get("/api/bookings/b1"), 503, "service_unavailable")
    assert body["service"] == "booking"
    assert body["instance"] == "/api/bookings/b1"


def test_rpc_timeout_is_504_with_the_service():
    fake = FakeRpc(
        script={("directory", "search_places"): RpcTimeout("directory", "no answer within 10 s")}
    )
    body = is_problem(client(fake).get("/api/places"), 504, "service_timeout")
    assert body["service"] == "directory"


def test_unknown_route_is_a_problem():
    fake = FakeRpc()
    body = is_problem(client(fake).get("/api/nowhere"), 404, "route_not_found")
    assert body["detail"] == "Cette adresse n'existe pas."
    assert fake.calls == []


def test_a_named_route_beside_an_id_is_not_read_as_an_id():
    # Found by schemathesis: /api/bookings/preview also matched GET /api/bookings/{id}, so
    # Allow said "GET, POST" where the document lists POST only.
    fake = FakeRpc()
    api = client(fake)
    response = api.get("/api/bookings/preview")
    is_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"].replace(" ", "") == "POST"
    assert fake.calls == []
    assert "/api/bookings/{booking_id}" in api.get("/openapi.json").json()["paths"]
    assert api.get("/api/bookings/previews").status_code != 405  # an id like any other


def test_a_method_a_route_does_not_take_is_405_with_allow():
    fake = FakeRpc()
    response = client(fake).delete("/api/places")
    body = is_problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert body["detail"] == "Cette adresse n'accepte pas la méthode DELETE."
    assert fake.calls == []


def test_edge_refusals_speak_english_when_asked():
    fake = FakeRpc()
    response = client(fake).post(
        "/api/places", content=b"x", headers={"Content-Type": "text/plain", "Accept-Language": "en"}
    )
    body = is_problem(response, 415, "unsupported_media_type")
    assert (body["title"], body["detail"]) == (
        "Unsupported content type",
        "Send JSON (Content-Type: application/json).",
    )


def test_a_stopped_service_is_named_in_words_and_in_a_member():
    fake = FakeRpc(down={"booking"})
    body = is_problem(client(fake).get("/api/places/p1/resources"), 503, "service_unavailable")
    assert body["service"] == "booking"
    assert "« booking »" in body["detail"]


@pytest.mark.parametrize("key", ["order-42", "a.b_c:d-e", "K" * 200, "0"])
def test_idempotency_key_is_passed_unchanged(key):
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    [call] = fake.domain_calls()
    assert (call.service, call.method) == ("booking", "create_booking")
    assert call.args == ({**BOOKING, "phone": None}, key)


def test_absent_idempotency_key_is_generated_fresh_per_request():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    api = client(fake)
    assert api.post("/api/bookings", json=BOOKING).status_code == 201
    assert api.post("/api/bookings", json=BOOKING).status_code == 201
    first, second = (c.args[-1] for c in fake.domain_calls())
    assert HEX32.match(first) and HEX32.match(second)
    assert first != second


@pytest.mark.parametrize("key", ["has spaces", "K" * 201, "", "a/b", "x;y"])
def test_invalid_idempotency_key_is_400_before_any_call(key):
    fake = FakeRpc()
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": key})
    is_problem(response, 400, "bad_idempotency_key")
    assert fake.calls == []


def test_correlation_id_is_propagated_and_echoed():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post(
        "/api/bookings", json=BOOKING, headers={"X-Correlation-Id": "corr-123"}
    )
    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "corr-123"
    assert [c.context for c in fake.calls] == [{"correlation_id": "corr-123"}]


def test_correlation_id_is_generated_when_absent():
    fake = FakeRpc(script={("directory", "search_places"): page_of(PLACE_OUT)})
    api = client(fake)
    first = api.get("/api/places")
    second = api.get("/api/places")
    assert first.status_code == second.status_code == 200
    ids = [first.headers["X-Correlation-Id"], second.headers["X-Correlation-Id"]]
    assert all(HEX32.match(i) for i in ids)
    assert ids[0] != ids[1]
    assert [c.context for c in fake.calls] == [{"correlation_id": i} for i in ids]


def test_correlation_id_is_echoed_on_errors_from_services():
    fake = FakeRpc(down={"booking"})
    response = client(fake).get("/api/bookings/b1", headers={"X-Correlation-Id": "corr-9"})
    is_problem(response, 503)
    assert response.headers["X-Correlation-Id"] == "corr-9"
    assert fake.calls[0].context == {"correlation_id": "corr-9"}


def test_correlation_id_reaches_the_service():
    fake = FakeRpc(script={("booking", "create_resource"): RESOURCE_OUT})
    response = client(fake).post(
        "/api/places/p1/resources", json=RESOURCE, headers={"X-Correlation-Id": "corr-7"}
    )
    assert response.status_code == 201
    assert [c.context for c in fake.domain_calls()] == [{"correlation_id": "corr-7"}]


def test_correlation_id_is_echoed_on_edge_rejections():
    fake = FakeRpc()
    response = client(fake).post(
        "/api/bookings",
        content=b"x",
        headers={"Content-Type": "text/plain", "X-Correlation-Id": "corr-415"},
    )
    is_problem(response, 415)
    assert response.headers.get("X-Correlation-Id") == "corr-415"


def test_malformed_json_is_400_before_any_call():
    fake = FakeRpc()
    response = client(fake).post(
        "/api/places", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    body = is_problem(response, 400, "malformed_json")
    assert body["errors"]
    assert fake.calls == []


@pytest.mark.parametrize(
    ("path", "payload", "bad_field"),
    [
        ("/api/places", {**PLACE, "colour": "blue"}, "colour"),  # extra field
        ("/api/bookings", {**BOOKING, "unknown": 1}, "unknown"),  # extra field
        ("/api/bookings", {**BOOKING, "seats": "2"}, "seats"),  # wrong type (strict int)
        ("/api/places", {**PLACE, "location": {"lat": "43", "lon": 6}}, "location.lat"),
        ("/api/places/p1/resources", {**RESOURCE, "kind": "castle"}, "kind"),
        ("/api/bookings", {**BOOKING, "start": "2030-05-02T09:00:00"}, "start"),  # no offset
        ("/api/bookings", {**BOOKING, "email": "nobody"}, "email"),
    ],
)
def test_invalid_body_is_422_before_any_call(path, payload, bad_field):
    fake = FakeRpc()
    body = is_problem(client(fake).post(path, json=payload), 422, "validation_failed")
    assert bad_field in [e["field"] for e in body["errors"]]
    assert fake.calls == []


def test_missing_field_is_422_before_any_call():
    fake = FakeRpc()
    payload = {k: v for k, v in BOOKING.items() if k != "start"}
    body = is_problem(client(fake).post("/api/bookings", json=payload), 422)
    assert "start" in [e["field"] for e in body["errors"]]
    assert fake.calls == []


def test_body_too_large_is_413_before_any_call():
    fake = FakeRpc()
    payload = {**PLACE, "name": "x" * 400}
    response = client(fake, max_body_bytes=256).post("/api/places", json=payload)
    is_problem(response, 413, "payload_too_large")
    assert fake.calls == []


def test_chunked_body_too_large_is_413_before_any_call():
    fake = FakeRpc()

    def chunks():
        yield b'{"name": "'
        yield b"x" * 400
        yield b'"}'

    response = client(fake, max_body_bytes=256).post(
        "/api/places", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    is_problem(response, 413, "payload_too_large")
    assert fake.calls == []


def test_chunked_body_within_the_limit_still_reaches_the_route():
    fake = FakeRpc(script={("directory", "create_place"): PLACE_OUT})

    def chunks():
        text = json.dumps(PLACE).encode()
        yield text[:10]
        yield text[10:]

    response = client(fake).post(
        "/api/places", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert fake.domain_calls()[0].args[0] == PLACE


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415_before_any_call(content_type):
    fake = FakeRpc()
    response = client(fake).post(
        "/api/bookings", content=json.dumps(BOOKING), headers={"Content-Type": content_type}
    )
    is_problem(response, 415, "unsupported_media_type")
    assert fake.calls == []


def test_json_with_charset_is_accepted():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post(
        "/api/bookings",
        content=json.dumps(BOOKING),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


# --- the body limit, to the byte -------------------------------------------------------------

LIMIT = 512


def place_body(size: int) -> bytes:
    """A valid place, padded with trailing JSON whitespace to exactly ``size`` bytes."""
    text = json.dumps(PLACE).encode()
    assert len(text) <= size
    return text + b" " * (size - len(text))


def chunked(body: bytes):
    def chunks():
        yield body[:100]
        yield body[100:]

    return chunks()


@pytest.mark.parametrize("send", ["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_accepted(send):
    fake = FakeRpc(script={("directory", "create_place"): PLACE_OUT})
    body = place_body(LIMIT)
    content = body if send == "content-length" else chunked(body)
    response = client(fake, max_body_bytes=LIMIT).post(
        "/api/places", content=content, headers={"Content-Type": "application/json"}
    )
    if send == "chunked":
        assert response.request.headers.get("transfer-encoding") == "chunked"
    else:
        assert response.request.headers["content-length"] == str(LIMIT)
    assert response.status_code == 201, response.text
    assert fake.domain_calls()[0].args[0] == PLACE


@pytest.mark.parametrize("send", ["content-length", "chunked"])
def test_one_byte_over_the_limit_is_413(send):
    fake = FakeRpc(script={("directory", "create_place"): PLACE_OUT})
    body = place_body(LIMIT + 1)
    content = body if send == "content-length" else chunked(body)
    response = client(fake, max_body_bytes=LIMIT).post(
        "/api/places", content=content, headers={"Content-Type": "application/json"}
    )
    if send == "chunked":
        assert response.request.headers.get("transfer-encoding") == "chunked"
    body = is_problem(response, 413, "payload_too_large")
    assert str(LIMIT) in body["detail"]
    assert fake.calls == []


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", ""])
def test_an_unreadable_content_length_is_refused(length):
    from gateway.edge import body_size

    class Request:
        headers = {"content-length": length}

    import asyncio

    assert asyncio.run(body_size(Request(), LIMIT)) == LIMIT + 1


def test_a_get_is_never_measured():
    fake = FakeRpc(script={("directory", "search_places"): page_of()})
    response = client(fake, max_body_bytes=1).request(
        "GET", "/api/places", content=b"ignored body", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200


def test_a_post_without_a_body_needs_no_content_type():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api = client(fake, admin_token="t")
    response = api.post(
        "/api/admin/dead-letters/booking/d1/replay", headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/json; charset=UTF-8"])
def test_the_media_type_is_compared_without_case(content_type):
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post(
        "/api/bookings", content=json.dumps(BOOKING), headers={"Content-Type": content_type}
    )
    assert response.status_code == 201, response.text


def test_every_problem_carries_a_code():
    fake = FakeRpc(down={"booking"})
    api = client(fake)
    for response in (
        api.get("/api/bookings/b1"),
        api.post("/api/bookings", content=b"x", headers={"Content-Type": "text/plain"}),
        api.post("/api/bookings", json={}),
        api.get("/api/admin/dead-letters/booking"),
    ):
        body = is_problem(response, response.status_code)
        assert body["code"] and body["type"] == f"/problems/{body['code']}", body


# --- a streamed body is bounded while it streams ----------------------------------------------

CHUNK = 64 * 1024
STREAMED = 50 * 1024 * 1024


class CountingStream:
    """An ASGI ``receive`` streaming ``total`` bytes of body in ``CHUNK``s (chunked transfer,
    as uvicorn hands it over), counting what the application pulled."""

    def __init__(self, total: int, body: bytes | None = None) -> None:
        self.total = total
        self.body = body  # the bytes to send, else spaces
        self.pulled = 0

    async def receive(self) -> dict:
        if self.pulled >= self.total:
            return {"type": "http.disconnect"}
        start = self.pulled
        self.pulled = min(start + CHUNK, self.total)
        chunk = self.body[start : self.pulled] if self.body else b" " * (self.pulled - start)
        return {"type": "http.request", "body": chunk, "more_body": self.pulled < self.total}


def stream_to_app(stream: CountingStream, limit: int) -> tuple[list[dict], FakeRpc]:
    import asyncio

    fake = FakeRpc(script={("directory", "create_place"): PLACE_OUT})
    app = app_for(fake, max_body_bytes=limit)
    sent: list[dict] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/places",
        "raw_path": b"/api/places",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, stream.receive, send))
    return sent, fake


def test_a_large_streamed_body_is_refused_once_past_the_limit_without_reading_the_rest():
    limit = 64 * 1024
    stream = CountingStream(STREAMED)
    sent, fake = stream_to_app(stream, limit)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    # Read up to the limit and the one chunk that crossed it: not the 50 MB behind.
    assert stream.pulled <= limit + CHUNK, stream.pulled
    assert fake.calls == []


def test_a_streamed_body_within_the_limit_is_read_whole_and_reaches_the_route():
    body = place_body(3 * CHUNK)
    stream = CountingStream(len(body), body)
    sent, fake = stream_to_app(stream, 4 * CHUNK)
    assert sent[0]["status"] == 201, sent
    assert stream.pulled == len(body)
    assert fake.domain_calls()[0].args[0] == PLACE
