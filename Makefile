# Maillage — the two commands a newcomer types: `make run` and `make test`.
TERRITORY ?= verdon
PORT ?= 8000

.PHONY: run test test-unit install lint bench bench-last-seats bench-floor bench-territory bench-notifications bench-directory clean mutmut

install:
	bash tools/bootstrap.sh

run: install
	.venv/bin/python -m tools.platform run --territory $(TERRITORY) --port $(PORT)

test:
	bash tools/test.sh

# The unit layer alone: no broker, no database server, no browser (seconds).
UNIT_TESTS = services/common/tests $(wildcard services/*/tests/unit) gateway/tests \
	tests/contracts tests/deploy
test-unit: install
	.venv/bin/pytest -p no:nameko -q $(UNIT_TESTS)

lint: install
	.venv/bin/ruff check .

bench: install
	.venv/bin/python -m bench.booking_vs_echo

# 100 concurrent attempts on the last seats through the gateway: 0 overbooking, every run.
bench-last-seats: install
	.venv/bin/python -m bench.last_seats

# A booking against its floor (HTTP → RPC → one insert), with round trips and CPU per booking.
bench-floor: install
	.venv/bin/python -m bench.booking_vs_floor

# The territory's availability search against one indexed find, and as bookings grow.
bench-territory: install
	.venv/bin/python -m bench.territory_availability

# 10,000 events to delivered emails through notifications, against a raw smtplib loop.
bench-notifications: install
	.venv/bin/python -m bench.notifications_delivery

# Search with a radius and filters over 5,000 places and 20,000 actors, against one indexed find.
bench-directory: install
	.venv/bin/python -m bench.directory_search

# Mutation testing of the data-keeping rules (slow; not in CI). Runs in a copy under var/ so
# that the working tree and its linting stay untouched; the score is in docs/testing.md.
mutmut: install
	rm -rf var/mutmut && mkdir -p var/mutmut
	rsync -a --exclude .git --exclude .venv --exclude var --exclude mutants ./ var/mutmut/
	cd var/mutmut && ../../.venv/bin/mutmut run --max-children 4; ../../.venv/bin/mutmut results

clean:
	rm -rf var/test-reports
