#!/usr/bin/env bash
# The container lane of CI: builds every app image from its real Dockerfile, brings the whole
# docker-compose.yml stack up through podman's Docker-compatible socket, waits until every service
# is healthy, runs the end-to-end smoke test over the published ports, and tears everything down,
# also on failure. No registry is reachable here, so base images are made locally
# (base-images.sh) and PostgreSQL, Redis and RabbitMQ run as stand-ins built from Debian packages;
# the compose file itself keeps the official images by default.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
started=$SECONDS
log() { echo "containers [$((SECONDS - started))s]: $*" >&2; }

if ! command -v podman >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing podman, runc, docker-compose, debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc netavark aardvark-dns iptables debootstrap docker-compose >/dev/null
fi
source scripts/ci/podman-env.sh
if ! podman run --rm --pull=never localhost/taller-debian:bookworm true 2>/dev/null &&
  ! podman info >/dev/null 2>&1; then
  echo "containers: FAILED: podman cannot run on this machine (podman info fails); the container lane cannot prove anything" >&2
  exit 1
fi

# Each build leaves the layers it replaced behind; a machine that runs this lane again and again
# fills its disk with them (the cluster lane then failed with "no space left on device"). They go
# when less than 20 GB is left; otherwise they stay as the build cache.
if [ "$(df --output=avail -k "$TALLER_PODMAN_DIR" | tail -1)" -lt $((20 * 1024 * 1024)) ]; then
  log "less than 20 GB free: removing the image layers no tag uses"
  podman image prune -f >/dev/null
fi
bash scripts/ci/base-images.sh
log "building the PostgreSQL, Redis and RabbitMQ stand-ins"
for service in postgres redis rabbitmq; do
  podman build --pull=never -q -t "localhost/taller-ci-$service" "scripts/ci/standins/$service" >/dev/null &
done
wait

work="$(mktemp -d)"
socket="$work/podman.sock"
project=taller-ci
export DOCKER_HOST="unix://$socket" COMPOSE_PROJECT_NAME=$project
export NODE_IMAGE=localhost/taller-node:24 TALLER_TAG=ci
export POSTGRES_IMAGE=localhost/taller-ci-postgres REDIS_IMAGE=localhost/taller-ci-redis RABBITMQ_IMAGE=localhost/taller-ci-rabbitmq
# Fresh random credentials: nothing in the images or the repository may be needed to run.
{
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 16)"
  echo "REDIS_PASSWORD=$(openssl rand -hex 16)"
  echo "RABBITMQ_PASSWORD=$(openssl rand -hex 16)"
  echo "GRAFANA_PASSWORD=$(openssl rand -hex 16)"
} >"$work/env"
compose() { docker-compose --env-file "$work/env" "$@"; }

service_pid='' health_pid=''
cleanup() {
  status=$?
  if [ $status -ne 0 ] && [ -S "$socket" ]; then
    log "failed; service states and recent logs follow"
    compose ps >&2 || true
    compose logs --tail 40 >&2 || true
  fi
  [ -S "$socket" ] && compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null || true
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

# A run whose teardown was cut short leaves its network behind: name records in aardvark-dns that
# answer the next run's lookups with the old containers, and published-port DNAT rules that, first
# in their chain, send the next run's connections to addresses that are gone. Remove both.
podman network rm -f "${project}_default" >/dev/null 2>&1 || true
rm -f "/run/containers/networks/aardvark-dns/${project}_default"
stale_rules="$(iptables-save -t nat | grep -- "dnat name: ${project}_default" || true)"
stale_chains="$(grep -o 'NETAVARK-DN-[0-9A-F]*' <<<"$stale_rules" | sort -u || true)"
if [ -n "$stale_rules" ]; then
  sed 's/^-A /-D /' <<<"$stale_rules" | while read -r rule; do eval "iptables -t nat $rule"; done
fi
for chain in $stale_chains; do iptables -t nat -F "$chain" && iptables -t nat -X "$chain"; done

podman system service --time=0 "unix://$socket" &
service_pid=$!
for _ in $(seq 1 50); do [ -S "$socket" ] && break; sleep 0.2; done
# Without systemd nothing runs health checks: run them, as the Docker engine would.
(
  while sleep 2; do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
      podman healthcheck run "$id" >/dev/null 2>&1 || true
    done
  done
) &
health_pid=$!

log "building the app images (compose build)"
compose build --parallel
log "starting the stack"
compose up -d --no-build
log "waiting for every service to be healthy"
containers() { podman ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Image}} {{.Status}}'; }
deadline=$((SECONDS + 300))
until ! containers | grep -vE '\(healthy\)|Exited \(0\)' | grep -q .; do
  if containers | grep -qE 'Exited \([1-9]'; then containers >&2; echo "containers: a service failed" >&2; exit 1; fi
  if [ $SECONDS -gt $deadline ]; then containers >&2; echo "containers: not healthy in time" >&2; exit 1; fi
  sleep 2
done
containers >&2

log "checking that every app runs as non-root on a read-only root filesystem, within limits"
for name in $(podman ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Image}}' | awk '$2 ~ /\/taller\// {print $1}'); do
  read -r user readonly < <(podman inspect --format '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}' "$name")
  uid="$(podman exec "$name" id -u)"
  if [ "$uid" = 0 ] || [ "$readonly" != true ] || podman exec "$name" touch /app/probe 2>/dev/null; then
    echo "containers: $name runs as '$user' (uid $uid), read-only root: $readonly" >&2
    exit 1
  fi
done
# Every service, the stand-ins included: memory, CPU and process limits.
for name in $(podman ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}}'); do
  read -r memory cpus pids < <(podman inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' "$name")
  echo "  $name: memory $((memory / 1048576)) MiB, cpus $((cpus / 10000000))%, pids $pids" >&2
  if [ "$memory" -le 0 ] || [ "$cpus" -le 0 ] || [ "$pids" -le 0 ]; then
    echo "containers: $name has no memory, CPU or pids limit" >&2
    exit 1
  fi
done

log "smoke test over the published ports"
EXPECT_VERSION=$TALLER_TAG node scripts/ci/smoke.mjs
npx tsx --conditions=@taller/source scripts/ci/grpcSmoke.ts
log "passed"
