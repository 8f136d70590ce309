#!/usr/bin/env bash
# Makes sure the local PostgreSQL, Redis and RabbitMQ that the tests use are up, starting any that
# is down (Debian packages, as on the CI machine). Prints the TEST_* URLs to export.
set -euo pipefail

wait_for() { # name, check command...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "services: $name did not come up" >&2
  return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "services: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi

if ! rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1; then
  if ! rabbitmqctl -q ping >/dev/null 2>&1; then
    echo "services: starting RabbitMQ" >&2
    rabbitmq-server -detached
    sleep 2
  else
    # The node runs but the app was stopped (a chaos test interrupted mid-way).
    echo "services: starting the RabbitMQ app" >&2
    rabbitmqctl -q start_app
  fi
  rabbitmqctl -q await_startup --timeout 120
fi

cat <<'URLS'
export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
export TEST_REDIS_URL=redis://127.0.0.1:6379
export TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672
URLS
