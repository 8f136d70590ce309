#!/usr/bin/env bash
# Blue-green switch for inference-server: points the Service inference-server-bluegreen at one
# color, after checking that color's Deployment is fully rolled out and ready.
#   k8s/examples/blue-green/switch.sh green     # go live with green
#   k8s/examples/blue-green/switch.sh rollback  # back to the color that was live before
#   k8s/examples/blue-green/switch.sh blue      # or name the color
# The previous color is recorded in an annotation of the Service, for `rollback`.
set -euo pipefail

namespace="${NAMESPACE:-taller}"
service=inference-server-bluegreen
annotation=taller.example/previous-track

usage() {
  echo "usage: $0 blue|green|rollback" >&2
  exit 2
}

[ $# -eq 1 ] || usage
current="$(kubectl -n "$namespace" get service "$service" -o jsonpath='{.spec.selector.track}')"
case "$1" in
  blue | green) target="$1" ;;
  rollback)
    target="$(kubectl -n "$namespace" get service "$service" \
      -o jsonpath="{.metadata.annotations.${annotation//./\\.}}")"
    if [ -z "$target" ]; then
      echo "no previous color recorded on service/$service: nothing to roll back to" >&2
      exit 1
    fi
    ;;
  *) usage ;;
esac

if [ "$target" = "$current" ]; then
  echo "service/$service already sends traffic to $target"
  exit 0
fi

# Never switch to a color that is not ready: the switch is instant, so must be its target.
kubectl -n "$namespace" rollout status "deployment/inference-server-$target" --timeout=300s

kubectl -n "$namespace" patch service "$service" --type merge -p \
  "{\"metadata\":{\"annotations\":{\"$annotation\":\"$current\"}},\"spec\":{\"selector\":{\"track\":\"$target\"}}}"
echo "service/$service: $current -> $target (undo: $0 rollback)"
kubectl -n "$namespace" get endpointslices -l "kubernetes.io/service-name=$service" -o wide
