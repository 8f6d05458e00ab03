#!/usr/bin/env bash
# The whole test suite: lint, then two pytest runs side by side (the services' run is under
# eventlet's monkey patch, like the services themselves; the gateway and end-to-end run is
# not), then one closing line with the totals of both.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh || exit 1
# The browser tests drive Debian's Chromium; install it when missing.
if ! command -v chromium >/dev/null; then
  echo "· apt-get install chromium (browser tests)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
fi
.venv/bin/python -m tools.infra ensure-rabbitmq || exit 1

mkdir -p var/test-reports
rm -f var/test-reports/*.xml
status=0

echo "== ruff"
.venv/bin/ruff check . || status=1

# The two runs go side by side: each spends much of its time waiting on the broker, the
# database and the browser, and they share nothing (each its own vhost, database server, SMTP
# sink and free ports). The services' output is kept aside and shown after the plain run's.
echo "== service tests (nameko under eventlet, real RabbitMQ vhost and SecantusDB), in the background"
.venv/bin/python -m tools.eventlet_pytest services --suppress-nameko-eventlet-notification \
  --junitxml=var/test-reports/services.xml "$@" >var/test-reports/services.log 2>&1 &
services_pid=$!

echo "== unit, gateway and end-to-end tests (no eventlet)"
.venv/bin/pytest -p no:nameko tests gateway tools --junitxml=var/test-reports/plain.xml "$@" || status=1

echo "== service tests: their output"
wait "$services_pid" || status=1
cat var/test-reports/services.log

.venv/bin/python -m tools.test_summary var/test-reports/*.xml || status=1
exit $status
