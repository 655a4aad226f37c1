"""The cluster test of issue 15 with real processes: nginx in front of 3 replicas and one Redis, a few
thousand calls, one replica SIGKILLed and Redis restarted empty mid-run: no call fails, and no provider
sees more requests in any 60 s window than its budget (benchmarks/cluster.py, run as its own process;
CI installs nginx and redis-server)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cluster import BUDGETS

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    (NGINX is None or shutil.which("redis-server") is None) and not os.environ.get("CI"),
    reason="nginx and redis-server not installed (CI installs them)",
)


def test_a_replica_dying_and_redis_restarting_fail_no_call_and_break_no_budget() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cluster.py"), "--calls", "3000", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, report["failed"]
    assert report["upstream_max_per_minute"]["coingecko"] > 0  # the searches did reach CoinGecko
    for provider, most in report["upstream_max_per_minute"].items():
        assert most <= BUDGETS[provider], (provider, most)
