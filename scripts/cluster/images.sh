# Images of the cluster itself, made without a registry or a base image
# (sourced by up.sh): a scratch image is one layer with a static binary,
# written as a docker-archive tar that `ctr images import` reads. Rebuilt and
# re-imported on each up (about a second): a changed recipe is never stale.

CTR=(ctr --address "$CONTAINERD_SOCK" --namespace k8s.io)

# docker_archive <ref> <rootfs-dir> <entrypoint-json> <cmd-json> <user> <out.tar>
docker_archive() {
  local ref="$1" rootfs="$2" entrypoint="$3" cmd="$4" user="$5" out="$6" work
  work="$(mktemp -d)"
  # Reproducible layer: fixed owner and mtime, sorted names.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "$rootfs" -cf "$work/layer.tar" .
  local diff_id config_sha
  diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Entrypoint":$entrypoint,"Cmd":$cmd,"User":"$user","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
JSON
  config_sha="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
  mv "$work/config.json" "$work/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]\n' \
    "$config_sha" "$ref" >"$work/manifest.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "$work" -cf "$out" manifest.json "$config_sha.json" layer.tar
  rm -rf "$work"
}

# import_tar <component-for-errors> <tar>
import_tar() {
  "${CTR[@]}" images import "$2" >>"$LOGS/images.log" 2>&1 ||
    fail images "ctr import of $2 ($1) failed"
}

# The sandbox ("pause") image: Debian's static catatonit in pause mode.
ensure_pause_image() {
  local root tar="$RUN/images/pause.tar"
  root="$(mktemp -d)"
  install -m 0755 /usr/bin/catatonit "$root/catatonit"
  mkdir -p "$RUN/images"
  docker_archive "$PAUSE_IMAGE" "$root" '["/catatonit","-P"]' null "65535:65535" "$tar"
  rm -rf "$root"
  import_tar pause "$tar"
  log "pause image: $PAUSE_IMAGE imported"
}

# A small toolbox image (Debian's static busybox: nslookup, nc, httpd) for proofs
# from inside the cluster.
ensure_toolbox_image() {
  local root tar="$RUN/images/toolbox.tar"
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$RUN/images"
  chmod 1777 "$root/tmp"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  for tool in sh nslookup nc sleep cat echo ls httpd; do ln -s busybox "$root/bin/$tool"; done
  docker_archive "$TOOLBOX_IMAGE" "$root" null '["sh"]' "65534:65534" "$tar"
  rm -rf "$root"
  import_tar toolbox "$tar"
  log "toolbox image: $TOOLBOX_IMAGE imported"
}

# import_podman_images <name...>: images that the container lane built into
# podman's storage (source scripts/ci/podman-env.sh first), copied into
# containerd under the same names. One multi-image archive: layers shared by
# the images (the Node.js base of the apps) are written and read once (7 app
# and stand-in images: 19 s instead of 58 s one by one).
import_podman_images() {
  local tar="$RUN/images/podman-images.tar"
  mkdir -p "$RUN/images"
  podman save --multi-image-archive --format docker-archive -o "$tar" "$@" >>"$LOGS/images.log" 2>&1 ||
    fail images "podman save $* failed (are they all in podman's storage? podman images)"
  import_tar "podman images" "$tar"
  rm -f "$tar"
  log "imported from podman: $*"
}

# ensure_binary_image <ref> <user> <binary...>: static binaries in /bin (the
# first is the entrypoint) and a world-writable /tmp; for what build.sh builds
# (CoreDNS, metrics-server, the add-ons).
ensure_binary_image() {
  local ref="$1" user="$2" root name tar
  shift 2
  name="$(basename "$1")"
  tar="$RUN/images/$name.tar"
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$RUN/images"
  chmod 1777 "$root/tmp"
  install -m 0755 "$@" "$root/bin/"
  docker_archive "$ref" "$root" "[\"/bin/$name\"]" null "$user" "$tar"
  rm -rf "$root"
  import_tar "$name" "$tar"
  log "$name image: $ref imported"
}
