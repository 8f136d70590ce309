#!/usr/bin/env bash
# The charts' switches: combinations of values that must render, the mistakes that must fail with
# a message that explains them (a typo in values, a missing password, `latest`), and `helm package`.
# npm run validate runs it after scripts/k8s/validate.ts has linted, rendered and checked every
# chart with every values file. Needs helm on PATH (or HELM=/path/to/helm).
#   bash helm/check.sh
set -euo pipefail
cd "$(dirname "$0")"
helm=${HELM:-helm}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failures=0
pass() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failures=$((failures + 1)); }

# Dependencies: the projects need the library first, the umbrella needs the projects.
for chart in fullstack microservices ml-serving taller; do
  "$helm" dependency build "$chart" >/dev/null 2>&1 || fail "dependency build $chart"
done

# Renders that must succeed: the switches' combinations.
render() { # name, chart, args...
  local name=$1 chart=$2
  shift 2
  if "$helm" template taller "$chart" -n taller "$@" >"$out/render.yaml" 2>"$out/err"; then
    pass "template $name"
  else
    fail "template $name: $(grep -v 'symbolic link' "$out/err" | head -3)"
  fi
}
render 'ml-serving (values.yaml only)' ml-serving
render 'fullstack restore' fullstack -f fullstack/values-dev.yaml \
  --set backup.restore.enabled=true --set backup.restore.file=fullstack-20260101T030000Z.dump
render 'fullstack without backups' fullstack -f fullstack/values-dev.yaml --set backup.enabled=false
render 'fullstack existingSecret, no passwords' fullstack --set credentials.existingSecret=mine
render 'microservices keda' microservices -f microservices/values-dev.yaml \
  --set orderWorker.autoscaling.mode=keda --set global.networkPolicies.enabled=true
render 'microservices no autoscaling' microservices -f microservices/values-dev.yaml \
  --set orderWorker.autoscaling.enabled=false --set orderService.autoscaling.enabled=false
render 'taller everything on' taller -f taller/values-dev.yaml --set ingress.enabled=true \
  --set grafanaDashboard.enabled=true --set global.networkPolicies.enabled=true \
  --set microservices.adapterRules.enabled=true --set ml-serving.adapterRules.enabled=true \
  --set fullstack.metrics.serviceMonitor.enabled=true
for project in fullstack microservices ml-serving; do
  render "taller without $project" taller -f taller/values-dev.yaml --set "$project.enabled=false"
done
render 'taller prod + keda' taller -f taller/values-prod.yaml --set microservices.orderWorker.autoscaling.mode=keda

# Renders that must fail, each with the message that explains why.
must_fail() { # name, expected message, chart, args...
  local name=$1 expected=$2 chart=$3
  shift 3
  if "$helm" template taller "$chart" -n taller "$@" >/dev/null 2>"$out/err"; then
    fail "$name: rendered, should have failed"
  elif grep -q -- "$expected" "$out/err"; then
    pass "$name fails: $expected"
  else
    fail "$name: failed without '$expected': $(head -3 "$out/err")"
  fi
}
must_fail 'fullstack without passwords' 'credentials.postgresPassword is required' fullstack
must_fail 'microservices without passwords' 'credentials.postgresPassword is required' microservices
must_fail 'taller without passwords' 'is required' taller
must_fail 'typo at the top' "additional properties 'replicaCount' not allowed" fullstack \
  -f fullstack/values-dev.yaml --set replicaCount=3
must_fail 'typo in a component' "additional properties 'replica' not allowed" fullstack \
  -f fullstack/values-dev.yaml --set api.replica=3
must_fail 'typo deep down' "additional properties 'stabilisationWindowSeconds' not allowed" ml-serving \
  --set inferenceServer.autoscaling.behavior.scaleUp.stabilisationWindowSeconds=0
must_fail 'typo through the umbrella' "additional properties 'orderWorkers' not allowed" taller \
  -f taller/values-dev.yaml --set microservices.orderWorkers.replicas=3
must_fail 'typo at the umbrella top' "additional properties 'ingres' not allowed" taller \
  -f taller/values-dev.yaml --set ingres.enabled=true
must_fail 'image tag latest' 'tag' ml-serving --set inferenceServer.image.tag=latest
must_fail 'unknown scaling mode' 'mode' microservices -f microservices/values-dev.yaml \
  --set orderWorker.autoscaling.mode=both
must_fail 'restore without a file' 'backup.restore.file is required' fullstack -f fullstack/values-dev.yaml \
  --set backup.restore.enabled=true

# helm package accepts every chart (the dashboard symlink is stored as the file's content).
for chart in taller-lib fullstack microservices ml-serving taller; do
  if "$helm" package "$chart" -d "$out" >/dev/null 2>"$out/err"; then
    pass "package $chart"
  else
    fail "package $chart: $(head -3 "$out/err")"
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo 'all helm checks passed'
