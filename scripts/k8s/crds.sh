#!/usr/bin/env bash
# The CRDs of the custom objects the charts and manifests render, taken from each upstream
# project's Go module (the Go module proxy is the one source this machine reaches) at the versions
# pinned in scripts/cluster/versions.env, and cached in $TALLER_CACHE/crds/<name>-<version>/
# (never in the repository). Prints those folders, one a line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/env.sh"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

# name module version folder-in-module files...: only the kinds a workshop may render, since the
# large CRDs (Prometheus, ApplicationSet...) would slow every run for nothing.
sources=(
  "prometheus-operator github.com/prometheus-operator/prometheus-operator
   $PROMETHEUS_OPERATOR_VERSION example/prometheus-operator-crd
   monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml
   monitoring.coreos.com_prometheusrules.yaml"
  "keda github.com/kedacore/keda/v2 $KEDA_VERSION config/crd/bases
   keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml
   keda.sh_clustertriggerauthentications.yaml"
  "argo-cd github.com/argoproj/argo-cd/v3 $ARGOCD_VERSION manifests/crds
   application-crd.yaml appproject-crd.yaml"
  "flux-source-controller github.com/fluxcd/source-controller $FLUX_SOURCE_CONTROLLER_VERSION
   config/crd/bases source.toolkit.fluxcd.io_gitrepositories.yaml
   source.toolkit.fluxcd.io_helmrepositories.yaml source.toolkit.fluxcd.io_ocirepositories.yaml"
  "flux-kustomize-controller github.com/fluxcd/kustomize-controller
   $FLUX_KUSTOMIZE_CONTROLLER_VERSION config/crd/bases
   kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "flux-helm-controller github.com/fluxcd/helm-controller $FLUX_HELM_CONTROLLER_VERSION
   config/crd/bases helm.toolkit.fluxcd.io_helmreleases.yaml"
)

for source in "${sources[@]}"; do
  read -r -d '' name module version folder files <<<"$source" || true
  dest="$TALLER_CACHE/crds/$name-$version"
  if [[ ! -f "$dest/.complete" ]]; then
    # Outside any module, so `go mod download` fetches the module itself, not a build's needs.
    moddir="$(cd / && go mod download -json "$module@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$moddir" ]] || { echo "crds: go mod download $module@$version failed" >&2; exit 1; }
    rm -rf "$dest" && mkdir -p "$dest"
    for file in $files; do install -m 0644 "$moddir/$folder/$file" "$dest/"; done
    touch "$dest/.complete"
  fi
  echo "$dest"
done
