# Maillage — the two commands a newcomer types: `make run` and `make test`.
TERRITORY ?= verdon
PORT ?= 8000

.PHONY: run test install lint bench clean

install:
	bash tools/bootstrap.sh

run: install
	.venv/bin/python -m tools.platform run --territory $(TERRITORY) --port $(PORT)

test:
	bash tools/test.sh

lint: install
	.venv/bin/ruff check .

bench: install
	.venv/bin/python -m bench.booking_vs_echo

clean:
	rm -rf var/test-reports
