# Everything the tests need, on this machine, in this shell:   source scripts/setup.sh
# Node.js 24 first on PATH (scripts/dev-env.sh), PostgreSQL/Redis/RabbitMQ installed and started
# with their TEST_* URLs exported (scripts/services.sh), Chromium for the browser test, `npm ci`.
# Sourced, so that PATH and the URLs stay in your shell; safe to run again.
if [ "${BASH_SOURCE[0]:-$0}" = "$0" ]; then
  echo "setup: source this file so it can set PATH and the TEST_* URLs: source scripts/setup.sh" >&2
  exit 1
fi
_taller_setup() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  source "$root/scripts/dev-env.sh" || return 1
  local urls
  urls="$(bash "$root/scripts/services.sh")" || return 1
  eval "$urls"
  # The browser test drives Debian's Chromium through playwright-core (Playwright's own download
  # of a browser is not possible everywhere).
  if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "setup: installing chromium (apt-get)" >&2
      apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
        return 1
    else
      echo "setup: no Chromium for the browser test: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH" >&2
      return 1
    fi
  fi
  (cd "$root" && npm ci --no-audit --no-fund) || return 1
  echo "setup: ready, node $(node --version); run: npm test" >&2
}
_taller_setup
_taller_status=$?
unset -f _taller_setup
return $_taller_status
