"""Gateway unit tests: the HTTP edge over a fake RPC client, no broker and no eventlet.

Run with ``.venv/bin/pytest -p no:nameko gateway/tests -q``.
"""

from __future__ import annotations

import json

import pytest

from contracts import SERVICE_NAMES
from contracts.booking import EndNotAfterStart, NoSeatLeft
from contracts.errors import Conflict, IdempotencyMismatch, NotFound, ValidationFailed
from gateway.app import create_app
from gateway.rpc_client import RemoteError, RpcTimeout, ServiceUnavailable
from tests.samples import PLACE

from .fakes import (
    BOOKING,
    BOOKING_OUT,
    HEX32,
    PLACE_OUT,
    RESOURCE,
    RESOURCE_OUT,
    FakeRpc,
    TestClient,
    client,
    is_problem,
    remote,
    settings,
)

# --- capabilities ----------------------------------------------------------------------------


def test_capabilities_follow_which_services_answer_health():
    fake = FakeRpc(
        down={"clubs"},
        script={
            ("notifications", "health"): RemoteError(
                "notifications",
                {"exc_type": "ServerSelectionTimeoutError", "exc_args": ["db"], "value": "db"},
            )
        },
    )
    response = client(fake).get("/api/capabilities")
    assert response.status_code == 200
    assert response.json() == {
        "territory": "verdon",
        "label": None,
        "services": {
            "directory": True,
            "booking": True,
            "clubs": False,
            "notifications": False,
        },
    }
    assert sorted(c.service for c in fake.probes()) == sorted(SERVICE_NAMES)
    assert all(c.timeout == 0.5 for c in fake.probes())


def test_health_answer_other_than_ok_means_absent():
    fake = FakeRpc(script={("booking", "health"): {"service": "booking", "status": "starting"}})
    services = client(fake).get("/api/capabilities").json()["services"]
    assert services["booking"] is False
    assert services["directory"] is True


def test_capabilities_are_cached_for_the_ttl():
    fake = FakeRpc()
    api = client(fake, capabilities_ttl=3600)
    first = api.get("/api/capabilities").json()
    fake.down.add("booking")  # would show if the gateway probed again
    second = api.get("/api/capabilities").json()
    assert first == second
    assert second["services"]["booking"] is True
    assert len(fake.probes()) == len(SERVICE_NAMES)


def test_capabilities_are_probed_again_once_the_ttl_is_over():
    fake = FakeRpc()
    api = client(fake, capabilities_ttl=0)
    assert api.get("/api/capabilities").json()["services"]["booking"] is True
    fake.down.add("booking")
    assert api.get("/api/capabilities").json()["services"]["booking"] is False
    assert len(fake.probes()) == 2 * len(SERVICE_NAMES)


def test_gateway_health_calls_no_service():
    fake = FakeRpc()
    response = client(fake).get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "territory": "verdon"}
    assert fake.calls == []


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
        script={("directory", "list_places"): RpcTimeout("directory", "no answer within 10 s")}
    )
    body = is_problem(client(fake).get("/api/places"), 504, "service_timeout")
    assert body["service"] == "directory"


def test_unknown_route_is_a_problem():
    fake = FakeRpc()
    is_problem(client(fake).get("/api/nowhere"), 404)
    assert fake.calls == []


# --- idempotency key -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["order-42", "a.b_c:d-e", "K" * 200, "0"])
def test_idempotency_key_is_passed_unchanged(key):
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    [call] = fake.domain_calls()
    assert (call.service, call.method) == ("booking", "create_booking")
    assert call.args == (BOOKING, key)


def test_idempotency_key_reaches_create_place_and_create_resource():
    fake = FakeRpc(
        down={"directory"},  # no place check: only the booking call is made
        script={("booking", "create_resource"): RESOURCE_OUT},
    )
    api = client(fake)
    headers = {"Idempotency-Key": "res-1"}
    assert api.post("/api/places/p1/resources", json=RESOURCE, headers=headers).status_code == 201
    fake.down.clear()
    fake.script[("directory", "create_place")] = PLACE_OUT
    headers = {"Idempotency-Key": "place-1"}
    assert api.post("/api/places", json=PLACE, headers=headers).status_code == 201
    resource_call, place_call = fake.domain_calls()
    assert resource_call.args == ("p1", RESOURCE, "res-1")
    assert place_call.args == (PLACE, "place-1")


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


# --- correlation id --------------------------------------------------------------------------


def test_correlation_id_is_propagated_and_echoed():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post(
        "/api/bookings", json=BOOKING, headers={"X-Correlation-Id": "corr-123"}
    )
    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "corr-123"
    assert [c.context for c in fake.calls] == [{"correlation_id": "corr-123"}]


def test_correlation_id_is_generated_when_absent():
    fake = FakeRpc(script={("directory", "list_places"): [PLACE_OUT]})
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


# --- validation before any RPC ---------------------------------------------------------------


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
    payload = {k: v for k, v in BOOKING.items() if k != "email"}
    body = is_problem(client(fake).post("/api/bookings", json=payload), 422)
    assert "email" in [e["field"] for e in body["errors"]]
    assert fake.calls == []


def test_invalid_query_is_422_before_any_call():
    fake = FakeRpc()
    body = is_problem(client(fake).get("/api/places", params={"status": "maybe"}), 422)
    assert [e["field"] for e in body["errors"]] == ["query.status"]
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


# --- routes and the place check --------------------------------------------------------------


def test_create_booking_returns_201_and_the_booking():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING)
    assert response.status_code == 201
    assert response.json() == {k: v for k, v in BOOKING_OUT.items() if k != "language"}


def test_list_routes_forward_their_arguments():
    fake = FakeRpc(
        script={
            ("directory", "list_places"): [PLACE_OUT],
            ("booking", "list_resources"): [RESOURCE_OUT],
            ("clubs", "list_clubs"): [{"id": "c1", "name": "Tricot", "place_id": "p1"}],
        }
    )
    api = client(fake)
    assert api.get("/api/places", params={"status": "open"}).json() == [PLACE_OUT]
    assert api.get("/api/places").status_code == 200
    assert api.get("/api/places/p1/resources").json() == [RESOURCE_OUT]
    assert api.get("/api/clubs").json()[0]["name"] == "Tricot"
    assert [(c.method, c.args) for c in fake.domain_calls()] == [
        ("list_places", ("open",)),
        ("list_places", (None,)),
        ("list_resources", ("p1",)),
        ("list_clubs", ()),
    ]


def test_resource_creation_asks_booking_alone():
    # Whether the place exists is booking's to say (from its projection of places).
    fake = FakeRpc(script={("booking", "create_resource"): RESOURCE_OUT})
    response = client(fake).post(
        "/api/places/p1/resources", json=RESOURCE, headers={"Idempotency-Key": "r-1"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == RESOURCE_OUT
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("booking", "create_resource", ("p1", RESOURCE, "r-1"))
    ]


def test_rpc_client_is_closed_on_shutdown():
    fake = FakeRpc()
    with TestClient(create_app(settings(), rpc=fake)) as api:
        assert api.get("/api/health").status_code == 200
        assert not fake.closed
    assert fake.closed


# --- admin routes ----------------------------------------------------------------------------

BEARER = {"Authorization": "Bearer s3cret-token"}


def test_admin_routes_are_403_when_disabled():
    fake = FakeRpc()
    api = client(fake, admin_token="")
    is_problem(api.get("/api/admin/dead-letters/booking", headers=BEARER), 403)
    is_problem(api.get("/api/admin/dead-letters/booking"), 403)
    is_problem(
        api.get("/api/admin/dead-letters/booking", headers={"Authorization": "Bearer "}), 403
    )
    assert fake.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "s3cret-token"},
        {"Authorization": "Basic s3cret-token"},
        {"Authorization": "Bearer s3cret-token2"},
    ],
)
def test_admin_routes_are_401_without_the_right_bearer(headers):
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.get("/api/admin/dead-letters/booking", headers=headers), 401)
    assert fake.calls == []


def test_admin_dead_letters_are_forwarded_with_the_right_bearer():
    letters = [{"id": "d1", "key": "k", "attempts": 3}]
    fake = FakeRpc(script={("notifications", "dead_letters"): letters})
    api = client(fake, admin_token="s3cret-token")
    response = api.get(
        "/api/admin/dead-letters/notifications", headers={**BEARER, "X-Correlation-Id": "op-1"}
    )
    assert response.status_code == 200
    assert response.json() == letters
    [call] = fake.calls
    assert (call.service, call.method, call.args) == ("notifications", "dead_letters", ())
    assert call.context == {"correlation_id": "op-1"}


def test_admin_unknown_service_is_404():
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.get("/api/admin/dead-letters/billing", headers=BEARER), 404)
    response = api.post("/api/admin/dead-letters/billing/d1/replay", json={}, headers=BEARER)
    is_problem(response, 404)
    assert fake.calls == []


def test_admin_replay_is_forwarded_with_the_right_bearer():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d1/replay", json={}, headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.json() == {"replayed": "d1"}
    assert [(c.service, c.method, c.args) for c in fake.calls] == [
        ("booking", "replay_dead_letter", ("d1",))
    ]


def test_admin_replay_of_an_unknown_letter_is_404():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): False})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d9/replay", json={}, headers=BEARER)
    body = is_problem(response, 404)
    assert "d9" in body["detail"]
    assert [c.args for c in fake.domain_calls()] == [("d9",)]


def test_admin_replay_without_bearer_is_401():
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.post("/api/admin/dead-letters/booking/d1/replay", json={}), 401)
    assert fake.calls == []


def test_admin_replay_without_a_body_is_accepted():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d1/replay", headers=BEARER)
    assert response.status_code == 200, response.text


# --- OpenAPI ---------------------------------------------------------------------------------


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


def test_a_saturated_pool_answers_503_instead_of_waiting_forever():
    from gateway.rpc_client import RpcClient

    pool = RpcClient("amqp://guest:guest@127.0.0.1:1/none", pool_size=1, timeout=0.2)
    pool._free.get_nowait()  # the only connection is taken by someone else
    with pytest.raises(ServiceUnavailable) as error:
        pool.call("booking", "health")
    assert error.value.service == "booking" and "saturated" in error.value.reason
