#!/usr/bin/env bash
# Build the Docker image and check what the README promises of it, on a running Docker engine.
#
#   bash scripts/docker_smoke.sh                 # engine at $DOCKER_HOST or the default socket
#   bash scripts/docker_smoke.sh --offline-base  # no Docker Hub: a stand-in python:3.11-slim first
#
# Checks: the image builds; it runs as uid 10001, not root; a one-shot CLI command answers
# (offline, from the snapshot); `serve` over stdio lists the tools manifest.json names; the HTTP server answers
# /healthz and /readyz without a token, refuses /mcp without it (401) and calls a tool with it;
# Docker's HEALTHCHECK turns the container healthy. The server container uses the host network,
# so port 8000 must be free.
#
# --offline-base builds the base image from Debian's packages (debootstrap bookworm with its
# python3.11, plus this machine's CA bundle so pip reaches the package index) and tags it
# python:3.11-slim. It stands in for the official image where Docker Hub is unreachable; the
# official one keeps Python in /usr/local, which the Dockerfile does not depend on.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=agent-tools:smoke
NAME=agent-tools-smoke
TOKEN=smoke-token
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ "${1:-}" == "--offline-base" ]]; then
    root=$(mktemp -d)
    chmod 755 "$root"  # it becomes the image's /, which the non-root user must traverse
    debootstrap --variant=minbase --include=python3.11,python3.11-venv,python3-pip,ca-certificates \
        bookworm "$root" http://deb.debian.org/debian >/dev/null || fail "debootstrap (see $root/debootstrap/debootstrap.log)"
    ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import -c 'ENV LANG=C.UTF-8' -c 'CMD ["python"]' \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - python:3.11-slim
    rm -rf "$root"
fi

# The legacy builder ignores the `# syntax=` line, which BuildKit would fetch from Docker Hub.
DOCKER_BUILDKIT=0 docker build --network host -q -t "$IMAGE" . >/dev/null
echo "ok: built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"

uid=$(docker run --rm --network none --entrypoint id "$IMAGE" -u)
[[ "$uid" == 10001 ]] || fail "runs as uid $uid"
echo "ok: runs as uid 10001"

docker run --rm --network none -e AGENT_TOOLS_OFFLINE=1 "$IMAGE" price BTC --json \
    | python3 -c 'import json,sys; q=json.load(sys.stdin)["quotes"][0]; assert q["asset_id"]=="bitcoin" and q["price"]>0, q'
echo "ok: one-shot 'price BTC' answers from the snapshot"

python3 - "$IMAGE" <<'PY'  # stdin stays open until the answer is read, as a real client keeps it
import json, subprocess, sys
expected = sorted(t["name"] for t in json.load(open("manifest.json"))["tools"])  # tests/ check it against the server
server = subprocess.Popen(
    ["docker", "run", "-i", "--rm", "--network", "none", "-e", "AGENT_TOOLS_OFFLINE=1", sys.argv[1], "serve"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
)
for message in (
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
     "capabilities": {}, "clientInfo": {"name": "smoke", "version": "0"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
):
    server.stdin.write(json.dumps(message) + "\n")
server.stdin.flush()
for line in server.stdout:
    answer = json.loads(line)
    if answer.get("id") == 2:
        break
server.stdin.close()
server.wait(timeout=30)
tools = sorted(t["name"] for t in answer["result"]["tools"])
assert tools == expected, (tools, expected)
print(f"ok: stdio serve lists the {len(tools)} tools manifest.json names")
PY

if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8000), timeout=1)' 2>/dev/null; then
    fail "port 8000 is in use"
fi
docker rm -f "$NAME" >/dev/null 2>&1 || true
trap 'docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$NAME" --network host -e AGENT_TOOLS_OFFLINE=1 -e AGENT_TOOLS_HTTP_TOKEN="$TOKEN" "$IMAGE" >/dev/null
for _ in $(seq 50); do curl -fs http://127.0.0.1:8000/healthz >/dev/null && break; sleep 0.2; done
curl -fs http://127.0.0.1:8000/healthz | grep -q '"ok"' || fail "/healthz"
curl -fs http://127.0.0.1:8000/readyz | grep -q '"ready"' || fail "/readyz"
MCP=(-X POST http://127.0.0.1:8000/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream')
CALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"estimate_trading_fees","arguments":{"notional_usd":1000,"trades_per_month":50,"exchanges":["binance"]}}}'
status=$(curl -s -o /dev/null -w '%{http_code}' "${MCP[@]}" -d "$CALL")
[[ "$status" == 401 ]] || fail "/mcp without the token answered $status"
curl -fs "${MCP[@]}" -H "authorization: Bearer $TOKEN" -d "$CALL" | python3 -c '
import json, sys
row = json.load(sys.stdin)["result"]["structuredContent"]["estimates"][0]
assert (row["exchange"], row["monthly_fee_usd"], row["annual_fee_usd"]) == ("binance", 50.0, 600.0), row'
echo "ok: HTTP probes open, /mcp 401 without the token, a tool call with it (\$1,000 x 50 at binance = \$50/month)"

for _ in $(seq 60); do
    health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
    [[ "$health" == healthy ]] && break
    sleep 1
done
[[ "$health" == healthy ]] || fail "HEALTHCHECK says $health"
echo "ok: HEALTHCHECK healthy"
echo "docker smoke: all passed"
