#!/usr/bin/env bash
# Builds every pinned cluster component from the Go module proxy into a cache
# outside the repository, keyed by version; skips what is already there.
# Usage: build.sh [component...]   (default: the base cluster; add-ons by name,
# as addons.sh asks for them)
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

# --- Optional add-ons (addons.sh): not built unless asked for by name. ---

# Prometheus without its web UI: the React assets are only embedded with the
# builtinassets tag and need npm; the HTTP API that the checks query is there.
# Kubernetes service discovery only (Prometheus' own build tags): the cloud
# providers' SDKs are most of its compile time.
build_prometheus() {
  local v="${PROMETHEUS_VERSION#v}"
  GOBIN="$1/bin" go install -tags remove_all_sd,enable_kubernetes_sd \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=$v" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION"
}

# `go install ...@v0.12.0` is refused: it asks the proxy for the module's
# version list (deprecation check), which the proxy answers 403. A module that
# requires the exact version never asks for the list.
build_prometheus_adapter() {
  local mod="$cache/prometheus-adapter-module-$PROMETHEUS_ADAPTER_VERSION"
  mkdir -p "$mod"
  cat >"$mod/go.mod" <<MOD
module taller.local/prometheus-adapter-build

go 1.22.1

require sigs.k8s.io/prometheus-adapter $PROMETHEUS_ADAPTER_VERSION
MOD
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import _ "sigs.k8s.io/prometheus-adapter/cmd/adapter"
GO
  (cd "$mod" && go mod tidy -e >&2)
  (cd "$mod" && go build -ldflags="-s -w" -o "$1/bin/adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter)
}

# Traefik's go.mod replaces three modules with Traefik's own forks, so it
# cannot be `go install`ed: a tiny module requires it and repeats that block
# (v3.7 also replaces one with a local path, which no module can repeat).
# It builds a copy of Traefik with traefik-no-dns-providers.patch: the ACME
# DNS challenge's ~150 DNS providers, with their cloud SDKs, are a third of
# Traefik's compile time, and the cluster's TLS is a self-signed certificate.
build_traefik() {
  local mod="$cache/traefik-module-$TRAEFIK_VERSION" src="$cache/traefik-src-$TRAEFIK_VERSION" info dir gomod
  mkdir -p "$mod"
  info="$(cd "$mod" && go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION")"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
  gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info")"
  rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  patch -p1 -d "$src" <"$here/traefik-no-dns-providers.patch" >&2
  {
    echo "module taller.local/traefik-build"
    echo
    grep -E '^go ' "$gomod"
    echo
    echo "require github.com/traefik/traefik/v3 $TRAEFIK_VERSION"
    echo
    sed -n '/^replace (/,/^)/p' "$gomod"
    echo
    echo "replace github.com/traefik/traefik/v3 => $src"
  } >"$mod/go.mod"
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
GO
  (cd "$mod" && go mod tidy -e >&2)
  (cd "$mod" && go build -ldflags="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    -o "$1/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik)
}

# This machine's kernel has nfnetlink_queue and the xtables NFQUEUE target
# built in, but not nftables' own queue expression (nft_queue): the upstream
# binary's rules fail with "netlink receive: no such file or directory".
# A copy of the module with kube-network-policies-nfqueue.patch, which sends
# the same packets to the same queue through the NFQUEUE target instead.
build_kube_network_policies() {
  local dir src="$cache/kube-network-policies-src-$KUBE_NETWORK_POLICIES_VERSION"
  dir="$(go mod download -json "sigs.k8s.io/kube-network-policies@$KUBE_NETWORK_POLICIES_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  patch -p1 -d "$src" <"$here/kube-network-policies-nfqueue.patch" >&2
  (cd "$src" && go build -ldflags="-s -w" -o "$1/bin/kube-network-policies" ./cmd)
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
  [prometheus]="prometheus-$PROMETHEUS_VERSION-k8s-sd"
  [prometheus-adapter]="prometheus-adapter-$PROMETHEUS_ADAPTER_VERSION"
  [traefik]="traefik-$TRAEFIK_VERSION-no-dns-providers"
  [kube-network-policies]="kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION-xt-nfqueue"
)
components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(kubernetes etcd coredns metrics-server helm kubeconform crictl)
for c in "${components[@]}"; do
  [[ -n "${keys[$c]:-}" ]] || { log "unknown component $c"; exit 2; }
  done_or_build "${keys[$c]}" "build_${c//-/_}"
done
