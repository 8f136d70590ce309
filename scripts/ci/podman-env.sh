# Podman set up as ENVIRONMENT.md describes (runc, cgroupfs, file events, ulimits this host allows),
# with its storage in a folder of its own; sourced by the container CI lane.
TALLER_PODMAN_DIR="${TALLER_PODMAN_DIR:-/var/tmp/taller-podman}"
mkdir -p "$TALLER_PODMAN_DIR"/{storage,run,tmp}
nofile="$(ulimit -Hn)"
cat > "$TALLER_PODMAN_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > "$TALLER_PODMAN_DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$TALLER_PODMAN_DIR/storage"
runroot = "$TALLER_PODMAN_DIR/run"
CONF
export CONTAINERS_CONF="$TALLER_PODMAN_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$TALLER_PODMAN_DIR/storage.conf"
export TMPDIR="$TALLER_PODMAN_DIR/tmp"
export BUILDAH_FORMAT=docker
