"""get_price_history answer and chart sizes at 30, 365 and 3,650 days, live (fakes) and offline.

    python benchmarks/history_sizes.py

For each range: the default answer's size (json.dumps of the structured content, as
tests/test_result_size.py measures it; goal <= 4,096 bytes), the same answer with every bar
(`limit` 5000: the baseline the merging is measured against), points returned and bars per
point, the source, the PNG's size (goal <= 200 KB) and the time to render it. The first chart
of the process also pays for importing matplotlib; that cost is printed on its own.
Last line: `max_answer_bytes=.. max_png_bytes=..`.
"""

import asyncio
import base64
import json
import time
from typing import Any

from _harness import clean_env
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from agent_tools.settings import Settings
from tests.fakes.grades import GradeFake

RANGES = (30, 365, 3650)


async def measure(client: Client, days: int) -> dict[str, Any]:
    default = await client.call_tool("get_price_history", {"symbol": "BTC", "days": days})
    full = await client.call_tool("get_price_history", {"symbol": "BTC", "days": days, "limit": 5000})
    started = time.perf_counter()
    charted = await client.call_tool("get_price_history", {"symbol": "BTC", "days": days, "chart": True})
    chart_s = time.perf_counter() - started
    out, every = default.structured_content, full.structured_content
    if out is None or every is None or charted.is_error:
        raise SystemExit(f"get_price_history failed for {days} days: {default.content}")
    [png] = [base64.b64decode(b.data) for b in charted.content if b.type == "image"]
    merged = out["merged"] or {"bars": len(out["points"]), "bars_per_point": 1}
    return {
        "days": days,
        "interval": out["interval"],
        "source": out["source"],
        "bytes": len(json.dumps(out)),
        "all_bytes": len(json.dumps(every)),
        "points": len(out["points"]),
        "bars": merged["bars"],
        "per_point": merged["bars_per_point"],
        "png": len(png),
        "chart_ms": chart_s * 1000,
    }


async def run(offline: bool) -> list[dict[str, Any]]:
    settings = Settings(_env_file=None, offline=offline)  # pyright: ignore[reportCallIssue]
    async with (
        Services(settings, transport=GradeFake().transport) as services,
        Client(build_server(services)) as client,
    ):
        return [await measure(client, days) for days in RANGES]


def main() -> None:
    clean_env()
    started = time.perf_counter()
    import matplotlib.figure  # noqa: F401  # what the first chart of a process imports

    print(
        f"first chart's matplotlib import: {(time.perf_counter() - started) * 1000:.0f} ms (once per process)"
    )
    rows = [("live", r) for r in asyncio.run(run(False))] + [("offline", r) for r in asyncio.run(run(True))]
    print(
        f"{'mode':<8} {'days':>5} {'interval':<8} {'source':<9} {'answer B':>9} {'all bars B':>10} "
        f"{'ratio':>6} {'points':>6} {'bars':>5} {'per pt':>6} {'PNG KB':>7} {'chart ms':>8}"
    )
    for mode, r in rows:
        print(
            f"{mode:<8} {r['days']:>5} {r['interval']:<8} {r['source']:<9} {r['bytes']:>9} {r['all_bytes']:>10} "
            f"{r['bytes'] / r['all_bytes']:>6.2f} {r['points']:>6} {r['bars']:>5} {r['per_point']:>6} "
            f"{r['png'] / 1024:>7.1f} {r['chart_ms']:>8.0f}"
        )
    print(
        f"max_answer_bytes={max(r['bytes'] for _, r in rows)} (goal <= 4096) "
        f"max_png_bytes={max(r['png'] for _, r in rows)} (goal <= 204800)"
    )


if __name__ == "__main__":
    main()
