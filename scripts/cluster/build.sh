#!/usr/bin/env bash
# Builds every pinned cluster component from the Go module proxy into a cache
# outside the repository, keyed by version; skips what is already there.
# Usage: build.sh [component...]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${TALLER_CACHE:-/var/cache/taller}/cluster"
export GOFLAGS=-trimpath CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$cache"

log() { printf '[build] %s\n' "$*" >&2; }

# done_or_build <name-version> <function>: runs the function into a temp dir and
# renames it into place only on success, so a half build is never reused.
done_or_build() {
  local key="$1" fn="$2" dest="$cache/$1"
  if [[ -f "$dest/.complete" ]]; then
    log "$key: cached in $dest"
    return 0
  fi
  local tmp="$dest.tmp.$$" start=$SECONDS
  rm -rf "$tmp" && mkdir -p "$tmp/bin"
  log "$key: building"
  if ! "$fn" "$tmp"; then
    log "$key: FAILED (build dir $tmp kept for inspection)"
    return 1
  fi
  echo "$((SECONDS - start))" >"$tmp/.build-seconds"
  touch "$tmp/.complete"
  rm -rf "$dest" && mv "$tmp" "$dest"
  log "$key: built in $((SECONDS - start))s"
}

k8s_ldflags() {
  local v="$KUBERNETES_VERSION" minor
  minor="$(cut -d. -f2 <<<"$v")"
  local x=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    x+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "-s -w$x"
}

# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces the staging
# modules with local paths. A tiny module of our own requires it and repeats
# the replace block with each staging module at its released version.
build_kubernetes() {
  local out="$1" mod="$cache/kubernetes-module-$KUBERNETES_VERSION" gomod
  mkdir -p "$mod"
  gomod="$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  {
    echo "module taller.local/cluster-build"
    echo
    # Same go/godebug lines as upstream so runtime defaults match theirs.
    grep -E '^(go|godebug) ' "$gomod"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$gomod" | grep -E '=> \./staging/' |
      awk -v v="$KUBERNETES_STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >"$mod/go.mod"
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
  (cd "$mod" && go mod tidy -e >&2)
  # One go build for all six so the shared packages compile once.
  (cd "$mod" && go build -ldflags="$(k8s_ldflags)" -o "$out/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/cmd/kubectl)
}

# etcd's go.mod replaces its sibling modules with local paths, so it cannot be
# `go install`ed either; a tiny module requiring server and etcdctl builds both.
build_etcd() {
  local mod="$cache/etcd-module-$ETCD_VERSION"
  mkdir -p "$mod"
  cat >"$mod/go.mod" <<MOD
module taller.local/etcd-build

go 1.24

require (
	go.etcd.io/etcd/server/v3 $ETCD_VERSION
	go.etcd.io/etcd/etcdctl/v3 $ETCD_VERSION
)
MOD
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
GO
  (cd "$mod" && go mod tidy -e >&2)
  (cd "$mod" && go build -ldflags="-s -w" -o "$1/bin/etcd" go.etcd.io/etcd/server/v3 &&
    go build -ldflags="-s -w" -o "$1/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3)
}

build_coredns() {
  GOBIN="$1/bin" go install -ldflags="-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_helm() {
  GOBIN="$1/bin" go install -ldflags="-s -w" "$HELM_MODULE/cmd/helm@$HELM_VERSION"
}

build_kubeconform() {
  GOBIN="$1/bin" go install -ldflags="-s -w" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
}

build_actionlint() {
  GOBIN="$1/bin" go install -ldflags="-s -w" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}

build_metrics_server() {
  GOBIN="$1/bin" go install -ldflags="-s -w" \
    "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION"
}

build_crictl() {
  GOBIN="$1/bin" go install -ldflags="-s -w" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
}

declare -A keys=(
  [kubernetes]="kubernetes-$KUBERNETES_VERSION"
  [etcd]="etcd-$ETCD_VERSION"
  [coredns]="coredns-$COREDNS_VERSION"
  [helm]="helm-$HELM_VERSION"
  [kubeconform]="kubeconform-$KUBECONFORM_VERSION"
  [actionlint]="actionlint-$ACTIONLINT_VERSION"
  [metrics-server]="metrics-server-$METRICS_SERVER_VERSION"
  [crictl]="crictl-$CRICTL_VERSION"
)
components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(kubernetes etcd coredns metrics-server helm kubeconform crictl)
for c in "${components[@]}"; do
  [[ -n "${keys[$c]:-}" ]] || { log "unknown component $c"; exit 2; }
  done_or_build "${keys[$c]}" "build_${c//-/_}"
done
