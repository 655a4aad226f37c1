"""Fakes for get_grade: CoinGecko `market_chart` and Token Metrics, on top of FakeUpstream.

`GradeFake` serves everything FakeUpstream does, plus
- `/coins/{id}/market_chart`: a deterministic random walk per coin ending at the coin's
  current price, one point per UTC day at 00:00 and a last intraday point (as CoinGecko
  sends them); `history_days[id]` shortens the history CoinGecko "has" for a coin;
- Token Metrics at api.tokenmetrics.com/v2 (upstream-apis.md §7): the envelope
  `{success, message, length, data[]}` with UPPER_SNAKE_CASE rows, a key in `api_key` or
  `x-api-key` (both accepted, as the reference advises), `tm_bodies[path]` to serve a
  recorded body verbatim. Faults queue as in FakeUpstream: `fake.fail("tokenmetrics", ...)`.

`loopback(fake)` serves the same fake over real HTTP on 127.0.0.1 for subprocess tests:
paths under /v2 go to Token Metrics, the rest to CoinGecko.
"""

from __future__ import annotations

import contextlib
import math
import random
from datetime import date, timedelta
from typing import Any

import httpx

from tests.fakes.loopback import serve
from tests.fakes.upstream import NOW, FakeUpstream

TM_HOST = "api.tokenmetrics.com"
TM_KEY = "tm-test-key"
DAY_MS = 86_400_000

# Verbatim from upstream-apis.md §7 (the Token Metrics docs example of /trader-grades).
RECORDED_TRADER_GRADES: dict[str, Any] = {
    "success": True,
    "message": "Data fetched successfully",
    "length": 2,
    "data": [
        {
            "TOKEN_ID": 17528,
            "TOKEN_NAME": "BTC",
            "DATE": "2023-10-10",
            "TA_GRADE": 14.09,
            "QUANT_GRADE": 35.7,
            "TM_TRADER_GRADE": 18.41,
            "TM_TRADER_GRADE_24H_PCT_CHANGE": 22.41,
        },
        {
            "TOKEN_ID": 22600,
            "TOKEN_NAME": "ETH",
            "DATE": "2023-10-10",
            "TA_GRADE": 17.79,
            "QUANT_GRADE": 35.82,
            "TM_TRADER_GRADE": 21.39,
            "TM_TRADER_GRADE_24H_PCT_CHANGE": 0.97,
        },
    ],
}

TM_TOKENS = [
    {"TOKEN_ID": 17528, "TOKEN_NAME": "Bitcoin", "TOKEN_SYMBOL": "BTC"},
    {"TOKEN_ID": 22600, "TOKEN_NAME": "Ethereum", "TOKEN_SYMBOL": "ETH"},
    {"TOKEN_ID": 30001, "TOKEN_NAME": "Ether Clone", "TOKEN_SYMBOL": "ETH"},
    {"TOKEN_ID": 23095, "TOKEN_NAME": "Solana", "TOKEN_SYMBOL": "SOL"},
]
# token id -> (TA_GRADE, QUANT_GRADE, TM_TRADER_GRADE, TM_INVESTOR_GRADE, TRADING_SIGNAL) of the newest day
TM_GRADES: dict[int, tuple[float, float, float, float, int]] = {
    17528: (14.09, 35.7, 18.41, 72.5, -1),
    22600: (67.79, 55.82, 71.39, 80.1, 1),
    23095: (50.0, 50.0, 50.0, 60.0, 0),
}


class GradeFake(FakeUpstream):
    def __init__(self, coins: list[dict[str, Any]] | None = None) -> None:
        super().__init__(coins)
        self.history_days: dict[str, int] = {}  # coin id -> days of history CoinGecko has
        self.tm_key = TM_KEY
        self.tm_tokens = [dict(t) for t in TM_TOKENS]
        self.tm_bodies: dict[str, Any] = {}  # path (e.g. "/v2/trader-grades") -> body served as is

    def tm_requests(self, path_prefix: str = "") -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == TM_HOST and r.url.path.startswith(path_prefix)]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != TM_HOST:
            return await super().handle(request)
        self.requests.append(request)
        queue = self._faults.get("tokenmetrics")
        if queue:
            return await self._fault(queue.pop(0), request)
        return self._tokenmetrics(request)

    # -- CoinGecko market_chart ---------------------------------------------------------------------

    def _coingecko(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3")
        if not (path.startswith("/coins/") and path.endswith("/market_chart")):
            return super()._coingecko(request)
        coin_id = path.split("/")[2]
        found = [c for c in self.coins if c["id"] == coin_id]
        if not found:
            return httpx.Response(404, json={"error": "coin not found"})
        days = request.url.params.get("days", "1")
        return httpx.Response(200, json=self.market_chart(found[0], days))

    def market_chart(self, coin: dict[str, Any], days: str) -> dict[str, Any]:
        """Daily points for today - days .. today at 00:00 UTC, then one point at NOW."""
        available = self.history_days.get(coin["id"], 4000)
        count = min(available, 4000 if days == "max" else int(days) + 1)
        rng = random.Random(coin["id"])
        steps = [rng.gauss(0.001, 0.03) for _ in range(count)]
        level = [math.exp(sum(steps[i + 1 :])) for i in range(count)]  # relative to the last point
        prices = [coin["price"] / x for x in level]
        supply = (coin["mcap"] or 0.0) / coin["price"]
        midnight = NOW // 86_400 * DAY_MS
        stamps = [midnight - (count - 1 - i) * DAY_MS for i in range(count - 1)] + [NOW * 1000]
        return {
            "prices": [[t, p] for t, p in zip(stamps, prices, strict=True)],
            "market_caps": [[t, p * supply] for t, p in zip(stamps, prices, strict=True)],
            "total_volumes": [
                [t, p * supply * rng.uniform(0.02, 0.06)] for t, p in zip(stamps, prices, strict=True)
            ],
        }

    # -- Token Metrics -------------------------------------------------------------------------------

    def _tokenmetrics(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("api_key") or request.headers.get("x-api-key")
        if key != self.tm_key:
            return httpx.Response(401, json={"success": False, "message": "Invalid API key", "data": []})
        path, params = request.url.path, request.url.params
        if path in self.tm_bodies:
            return httpx.Response(200, json=self.tm_bodies[path])
        if path == "/v2/tokens":
            symbols = params.get("symbol", "").upper().split(",")
            return _envelope([t for t in self.tm_tokens if t["TOKEN_SYMBOL"] in symbols])
        if path in ("/v2/trader-grades", "/v2/investor-grades", "/v2/trading-signals"):
            token_id = int(params.get("token_id", "0"))
            newest = date.fromisoformat(params["endDate"])
            if token_id not in TM_GRADES:
                return _envelope([])
            # newest first, then the day before: the client must pick by DATE, not by position
            return _envelope(
                [
                    _grade_row(path, token_id, newest, shift=0.0),
                    _grade_row(path, token_id, newest - timedelta(days=1), shift=-5.0),
                ]
            )
        return httpx.Response(404, json={"success": False, "message": "Not Found", "data": []})


def _envelope(rows: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(
        200, json={"success": True, "message": "Data fetched successfully", "length": len(rows), "data": rows}
    )


def _grade_row(path: str, token_id: int, day: date, shift: float) -> dict[str, Any]:
    """The table's values, moved by `shift` (older days differ, and have no signal)."""
    ta, quant, trader, investor, signal = TM_GRADES[token_id]
    row: dict[str, Any] = {"TOKEN_ID": token_id, "DATE": day.isoformat()}
    if path == "/v2/trader-grades":
        return row | {"TA_GRADE": ta + shift, "QUANT_GRADE": quant + shift, "TM_TRADER_GRADE": trader + shift}
    if path == "/v2/investor-grades":
        return row | {"TM_INVESTOR_GRADE": investor + shift}
    return row | {"TRADING_SIGNAL": signal if shift == 0.0 else 0, "TM_TRADER_GRADE": trader + shift}


def loopback(fake: GradeFake) -> contextlib.AbstractContextManager[str]:
    """Serve `fake` on 127.0.0.1; yields the base URL (add /v2 or /api/v3)."""
    return serve(
        fake.handle,
        lambda path: f"https://{TM_HOST if path.startswith('/v2/') else 'api.coingecko.com'}{path}",
    )
