# Helpers shared by up.sh and down.sh (sourced, not run).
RUN="$TALLER_CLUSTER_DIR"
LOGS="$RUN/logs"
PIDS="$RUN/pids"

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# fail <component> <message>: says which part failed and where to look.
fail() {
  local c="$1"
  shift
  log "FAILED: $c: $*"
  if [[ -f "$LOGS/$c.log" ]]; then
    log "last lines of $LOGS/$c.log:"
    tail -n 25 "$LOGS/$c.log" >&2 || true
    log "look further: less $LOGS/$c.log"
  fi
  exit 1
}

# update_file <file>: moves <file>.new into place only when it differs, so a
# second up leaves running components alone (kube-proxy exits when its
# configuration file changes).
update_file() {
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

running() { [[ -f "$PIDS/$1.pid" ]] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start <component> <command...>: its own process group, log file and PID file;
# skipped when it already runs (idempotent up).
start() {
  local c="$1"
  shift
  if running "$c"; then
    log "$c: already running (pid $(cat "$PIDS/$c.pid"))"
    return 0
  fi
  mkdir -p "$LOGS" "$PIDS"
  setsid "$@" >>"$LOGS/$c.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$c.pid"
  log "$c: started (pid $!, log $LOGS/$c.log)"
}

# wait_for <component> <seconds> <command...>: polls until the command succeeds;
# fails naming the component when it exits or the time runs out.
wait_for() {
  local c="$1" limit="$2" deadline
  shift 2
  deadline=$((SECONDS + limit))
  while true; do
    # The process first: a check could succeed against someone else's server.
    if [[ -f "$PIDS/$c.pid" ]] && ! running "$c"; then
      fail "$c" "process exited"
    fi
    "$@" >/dev/null 2>&1 && return 0
    ((SECONDS < deadline)) || fail "$c" "not ready after ${limit}s (waited for: $*)"
    sleep 0.5
  done
}

# need_port <component> <port>: before starting a component, its port must be
# free (or held by our own running process), otherwise another cluster or
# service is in the way.
need_port() {
  running "$1" && return 0
  if ss -Hltn "sport = :$2" | grep -q .; then
    fail "$1" "port $2 is already in use: ss -ltnp 'sport = :$2'"
  fi
}

# stop <component>: TERM the process group, then KILL after a grace period.
stop() {
  local c="$1" pid
  [[ -f "$PIDS/$c.pid" ]] || return 0
  pid="$(cat "$PIDS/$c.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$c: stopped (pid $pid)"
  fi
  rm -f "$PIDS/$c.pid"
}
