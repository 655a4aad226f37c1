#!/usr/bin/env bash
# CI's Docker check: a private Docker engine (Debian's docker.io: overlay2 or else vfs storage, no bridge or
# iptables, its own socket and state under a temp dir), then scripts/docker_smoke.sh with a
# stand-in base image (CI reaches Debian's mirror and PyPI, not Docker Hub).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq docker.io debootstrap >/dev/null
fi
state=$(mktemp -d)
export DOCKER_HOST="unix://$state/docker.sock"
engine=""
stop() {
    if [ -n "$engine" ]; then kill "$engine" 2>/dev/null && wait "$engine" 2>/dev/null || true; fi
    awk -v s="$state" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount || true
}
trap 'stop; rm -rf "$state"' EXIT
# overlay2 where the kernel and filesystem allow it (several times faster to build with), else vfs
for driver in overlay2 vfs; do
    dockerd --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
        --data-root="$state/data-$driver" --exec-root="$state/exec" --pidfile="$state/dockerd.pid" \
        -H "$DOCKER_HOST" >"$state/dockerd-$driver.log" 2>&1 &
    engine=$!
    for _ in $(seq 60); do
        docker version >/dev/null 2>&1 && break
        kill -0 "$engine" 2>/dev/null || break
        sleep 0.5
    done
    if docker version >/dev/null 2>&1; then
        echo "docker engine: storage driver $driver"
        break
    fi
    tail -5 "$state/dockerd-$driver.log" >&2
    stop
    engine=""
done
if [ -z "$engine" ]; then
    echo "FAIL: the Docker engine did not start" >&2
    exit 1
fi
bash scripts/docker_smoke.sh --offline-base
