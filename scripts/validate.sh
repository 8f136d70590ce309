#!/usr/bin/env bash
# npm run validate: docker-compose.yml against the compose specification, then every chart and
# overlay (scripts/k8s/validate.ts) with the helm, kubectl and kubeconform pinned in
# scripts/cluster/versions.env, built from the Go module proxy into a cache outside the repository
# on first use, against a throwaway etcd + kube-apiserver (scripts/k8s/control-plane.sh) that holds
# the CRDs of the custom kinds (scripts/k8s/crds.sh). First the GitHub workflows, with the pinned
# actionlint (which also runs shellcheck on their `run:` scripts when shellcheck is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
# The workshop's docs: links, anchors, repository paths, commands and Markdown lint (no cluster).
npx tsx scripts/docs/check.ts
npx dclint --max-warnings 0 docker-compose.yml
bash scripts/cluster/build.sh kubernetes etcd helm kubeconform actionlint
(source scripts/cluster/env.sh && "$CLUSTER_CACHE/actionlint-$ACTIONLINT_VERSION/bin/actionlint")
# The server-side proof itself first: each broken fixture must be refused.
npx vitest run --config scripts/k8s/vitest.config.ts
TALLER_CRD_DIRS="$(bash scripts/k8s/crds.sh)"
export TALLER_CRD_DIRS
bash scripts/k8s/control-plane.sh run npx tsx scripts/k8s/validate.ts "$@"
source scripts/cluster/env.sh
HELM="$HELM" bash helm/check.sh
