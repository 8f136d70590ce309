#!/usr/bin/env bash
# npm run validate: docker-compose.yml against the compose specification, then every chart and
# overlay (scripts/k8s/validate.ts) with the helm and kubectl pinned in scripts/cluster/versions.env,
# built from the Go module proxy into a cache outside the repository on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
npx dclint --max-warnings 0 docker-compose.yml
bash scripts/cluster/build.sh kubernetes helm
source scripts/cluster/env.sh
export HELM KUBECTL
npx tsx scripts/k8s/validate.ts "$@"
