"""Schemathesis against the gateway's own OpenAPI document, on the real running platform
(every service, RabbitMQ, SecantusDB): every check (``--checks all``: no 5xx, statuses and
content types and bodies as documented, unsupported methods refused with 405 and ``Allow``,
bad input refused, …) on every operation and in stateful sequences, bounded by a fixed
number of examples per operation in deterministic mode, so that a run takes a few minutes
and says the same thing twice.

One expectation is configured rather than default: data valid by the schema may also be
refused with 422 (``positive_data_acceptance``). Domain rules that JSON Schema cannot state
(a booking's end after its start, a time in the future) answer 422 problem+json, which the
document lists for those routes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import running

ST = Path(sys.executable).with_name("st")
# Per operation: the routes went from 80 to 136 with issues 9–11, and generating examples for
# their larger bodies costs most of the run's time (measured: over 4 minutes at 30 each on a
# busy 2-core machine); 12 each keep every operation covered within the bound.
MAX_EXAMPLES = 12
BOUND_SECONDS = 600  # the run itself takes a few minutes on 2 cores; this stops a hang
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", "401", "403", "404", "409", "422", "429", "5XX"]
"""


@pytest.fixture(scope="module")
def verdon(tmp_path_factory):
    with running("verdon", tmp_path_factory) as platform:
        yield platform


def test_the_gateway_keeps_its_openapi_contract(verdon, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(ST),
        "--config-file",
        str(config),
        "run",
        f"{verdon.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--request-timeout",
        "20",
        # One worker: two make hypothesis's ast.parse fail in CPython 3.11 ("AST constructor
        # recursion depth mismatch", a CPython bug with concurrent parsing), an error of the tool.
        "--workers",
        "1",
        # The operator's routes too: the platform's admin token (tests/e2e/conftest.py).
        "--header",
        f"Authorization: Bearer {verdon.admin_token}",
        "--report-dir",
        str(tmp_path),
        # Importing closures fetches the URL it is given: generated hosts would make each
        # example wait for DNS and the network (none here). Its input and refusals are
        # tested in services/booking/tests/unit/test_ics_closures.py and the roles matrix.
        "--exclude-path-regex",
        "closures/import$",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=BOUND_SECONDS, cwd=tmp_path
    )
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-4000:]
