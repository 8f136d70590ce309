#!/usr/bin/env bash
# Prints prometheus-adapter's configuration: the rules the charts ship
# (ml-serving and microservices, templates/adapter-rules.yaml) rendered with
# helm and joined into one `rules:` list, so that the cluster's adapter runs
# exactly what a user's adapter would be given.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

render() { # chart, helm args...
  local chart="$1"
  shift
  # The charts depend on taller-lib (file://): offline, a second or so.
  [[ -n "$(ls "$root/helm/$chart/charts/"taller-lib-*.tgz 2>/dev/null)" ]] ||
    "$HELM" dependency build "$root/helm/$chart" >/dev/null
  "$HELM" template taller "$root/helm/$chart" "$@" --set adapterRules.enabled=true \
    --show-only templates/adapter-rules.yaml
}

{
  render ml-serving
  # The worker's rule exists in its HPA mode (the default mode is KEDA).
  render microservices -f "$root/helm/microservices/values-dev.yaml" \
    --set orderWorker.autoscaling.enabled=true --set orderWorker.autoscaling.mode=hpa
} | awk '
  # The block scalar under "config.yaml: |", indented by four spaces.
  /^  config\.yaml: \|$/ { inside = 1; next }
  inside && /^    / { line = substr($0, 5); if (line != "rules:") rules = rules line "\n"; next }
  inside && !/^[[:space:]]*$/ { inside = 0 }
  END {
    if (rules == "") { print "adapter-rules.sh: no rules rendered" > "/dev/stderr"; exit 1 }
    printf "rules:\n%s", rules
  }'
