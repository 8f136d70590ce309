#!/usr/bin/env bash
# The PostgreSQL, Redis and RabbitMQ that the tests use, on this machine: installs what is missing
# (Debian's packages, when run as root), starts what is down, waits for each, and prints the TEST_*
# URLs to export:   eval "$(bash scripts/services.sh)"
# Idempotent: with everything up it only checks. A service whose TEST_* URL is already set in the
# environment is left alone: the user runs it elsewhere.
set -euo pipefail
# Stdout carries only the export lines (it is eval'ed); whatever the tools print goes to stderr
# (pg_ctlcluster, for one, says "Removed stale pid file." after an unclean stop).
# The daemons started below get fd 3 closed, or the caller's $(...) would wait for them to exit.
exec 3>&1 1>&2
daemon() { "$@" 3>&-; }

say() { echo "services: $*"; }
fail() { say "$*"; exit 1; }

wait_for() { # name, seconds, where its log is, check command...
  local name=$1 seconds=$2 log=$3; shift 3
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  fail "$name did not come up within ${seconds}s; its log: $log"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Which services this machine must provide, and the Debian package of each that is missing.
want=() packages=()
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  want+=(postgres)
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || packages+=(postgresql)
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  want+=(redis)
  command -v redis-server >/dev/null || packages+=(redis-server)
fi
if [ -z "${TEST_AMQP_URL:-}" ]; then
  want+=(rabbitmq)
  command -v rabbitmq-server >/dev/null || packages+=(rabbitmq-server)
fi

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "missing ${packages[*]}: install them (Debian/Ubuntu: sudo apt-get install -y ${packages[*]}), or set TEST_DATABASE_URL, TEST_REDIS_URL and TEST_AMQP_URL to servers of your own"
  fi
  say "installing ${packages[*]} (apt-get)"
  # The packages' own start-up at install is blocked: this script starts each service itself, the
  # same way on machines with and without an init system.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy && made_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  [ -n "${made_policy:-}" ] && rm -f $policy
fi

for service in "${want[@]}"; do
  case $service in
  postgres)
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # The tests connect as postgres without a password, from loopback only.
    if ! grep -q '^# taller: tests' "$hba"; then
      say "allowing the postgres user without a password on loopback ($hba)"
      printf '# taller: tests\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n%s\n' \
        "$(cat "$hba")" >"$hba"
      pg_isready -q -h 127.0.0.1 -p 5432 && pg_ctlcluster --skip-systemctl-redirect "$version" main reload 3>&-
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
      say "starting PostgreSQL $version"
      daemon pg_ctlcluster --skip-systemctl-redirect "$version" main start
      wait_for PostgreSQL 60 "/var/log/postgresql/postgresql-$version-main.log" pg_isready -q -h 127.0.0.1 -p 5432
    fi
    ;;
  redis)
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
      say "starting Redis"
      install -d -o redis -g redis /var/lib/redis /var/log/redis 2>/dev/null || mkdir -p /var/lib/redis /var/log/redis
      daemon redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/taller.log
      wait_for Redis 30 /var/log/redis/taller.log redis-cli -h 127.0.0.1 -p 6379 ping
    fi
    ;;
  rabbitmq)
    # An open AMQP port means the broker app is running (it closes its listeners when stopped).
    if ! port_open 5672; then
      if rabbitmqctl -q ping >/dev/null 2>&1; then
        # The node runs but its app was stopped (a chaos test interrupted mid-way).
        say "starting the RabbitMQ app"
        daemon rabbitmqctl -q start_app
      else
        say "starting RabbitMQ"
        daemon rabbitmq-server -detached
      fi
      wait_for RabbitMQ 120 /var/log/rabbitmq/ rabbitmqctl -q await_startup --timeout 5
    fi
    ;;
  esac
done

[ -z "${TEST_DATABASE_URL:-}" ] && echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres" >&3
[ -z "${TEST_REDIS_URL:-}" ] && echo "export TEST_REDIS_URL=redis://127.0.0.1:6379" >&3
[ -z "${TEST_AMQP_URL:-}" ] && echo "export TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672" >&3
exit 0
