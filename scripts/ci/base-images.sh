#!/usr/bin/env bash
# Local stand-ins for the images no registry can give us here: a Debian bookworm base made with
# debootstrap, and a Node.js 24 image on it (the project's Node binary and the machine's npm, laid
# out as in the official node image). Idempotent: an image that exists is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/scripts/ci/podman-env.sh"

exists() { podman image exists "$1"; }

if ! exists localhost/taller-debian:bookworm; then
  # The mirror apt already uses here (the only Debian archive this machine may reach).
  mirror="$({ cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } |
    grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+' | grep -v security | head -1)"
  rootfs="$TALLER_PODMAN_DIR/rootfs"
  rm -rf "$rootfs"
  echo "base-images: debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase --include=ca-certificates,tini bookworm "$rootfs" "$mirror" >"$TALLER_PODMAN_DIR/debootstrap.log"
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/*
  tar --numeric-owner -C "$rootfs" -c . | podman import - localhost/taller-debian:bookworm >/dev/null
  rm -rf "$rootfs"
fi

if ! exists localhost/taller-node:24; then
  echo "base-images: node $(node --version) on bookworm" >&2
  context="$(mktemp -d)"
  trap 'rm -rf "$context"' EXIT
  mkdir -p "$context/usr/local/bin" "$context/usr/local/lib/node_modules"
  cp "$(command -v node)" "$context/usr/local/bin/node"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$context/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$context/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$context/usr/local/bin/npx"
  # This machine reaches registries through an intercepting proxy: builds on this base trust the
  # host's CA bundle, so the Dockerfiles themselves need nothing CI-specific.
  mkdir -p "$context/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$context/etc/ssl/certs/ca-certificates.crt"
  cat >"$context/Dockerfile" <<'DOCKERFILE'
FROM localhost/taller-debian:bookworm
COPY usr /usr
COPY etc /etc
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
DOCKERFILE
  podman build --pull=never -q -t localhost/taller-node:24 "$context" >/dev/null
fi
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'taller-(debian|node)' >&2
