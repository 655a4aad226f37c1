"""Fakes for price history and get_grade: CoinGecko `market_chart` and `ohlc`, Binance `klines`,
DefiLlama `chart`, and Token Metrics, on top of FakeUpstream.

`GradeFake` serves everything FakeUpstream does, plus
- `/coins/{id}/market_chart`: with `interval=daily` (or over 90 days) a deterministic random
  walk per coin ending at the coin's current price, one point per UTC day at 00:00 and a last
  intraday point (as CoinGecko sends them); otherwise hourly points (5-minute ones for one
  day), CoinGecko's automatic granularity. `history_days[id]` shortens the history CoinGecko
  "has" for a coin;
- `/coins/{id}/ohlc`: `[close ms, open, high, low, close]` candles of 30 minutes (1-2 days),
  4 hours (3-30) or 4 days (more), the last one closed before NOW;
- Binance `/api/v3/klines`: the last `limit` klines of a `<TICKER>USDT` pair, 12 fields with
  decimal strings, the newest still open; an unknown pair is Binance's 400 with code -1121;
- DefiLlama `/chart/{key}`: `span` prices `period` apart running back from NOW;
- Token Metrics at api.tokenmetrics.com/v2 (upstream-apis.md §7): the envelope
  `{success, message, length, data[]}` with UPPER_SNAKE_CASE rows, a key in `api_key` or
  `x-api-key` (both accepted, as the reference advises), `tm_bodies[path]` to serve a
  recorded body verbatim. Faults queue as in FakeUpstream: `fake.fail("tokenmetrics", ...)`.

`loopback(fake)` serves the same fake over real HTTP on 127.0.0.1 for subprocess tests:
paths under /v2 go to Token Metrics, the rest to CoinGecko.
"""

from __future__ import annotations

import contextlib
import itertools
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
HOUR = 3600
KLINE_SECONDS = {"1h": HOUR, "1d": 24 * HOUR, "1w": 7 * 24 * HOUR}
LLAMA_PERIODS = {"1h": HOUR, "1d": 24 * HOUR, "1w": 7 * 24 * HOUR}
MONDAY = 4 * 24 * HOUR  # 1970-01-01 was a Thursday: Binance weeks open on Monday 00:00 UTC

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
        fault = self.next_fault("tokenmetrics")
        if fault is not None:
            return await self._fault(fault, request)
        return self._tokenmetrics(request)

    # -- CoinGecko market_chart and ohlc --------------------------------------------------------------

    def _coingecko(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v3")
        if not (path.startswith("/coins/") and path.endswith(("/market_chart", "/ohlc"))):
            return super()._coingecko(request)
        coin_id = path.split("/")[2]
        found = [c for c in self.coins if c["id"] == coin_id]
        if not found:
            return httpx.Response(404, json={"error": "coin not found"})
        days = request.url.params.get("days", "1")
        if path.endswith("/ohlc"):
            return httpx.Response(200, json=self.ohlc(found[0], int(days)))
        if request.url.params.get("interval") != "daily" and days != "max" and int(days) <= 90:
            return httpx.Response(200, json=self.intraday_chart(found[0], int(days)))
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

    def intraday_chart(self, coin: dict[str, Any], days: int) -> dict[str, Any]:
        """Hourly points (5-minute ones for one day) back from NOW, the last one at NOW."""
        step = 300 if days == 1 else HOUR
        count = days * 86_400 // step
        prices = walk(coin, count, step)
        supply = (coin["mcap"] or 0.0) / coin["price"]
        stamps = [(NOW // step * step - (count - 1 - i) * step) * 1000 for i in range(count - 1)] + [
            NOW * 1000
        ]
        return {
            "prices": [[t, p] for t, p in zip(stamps, prices, strict=True)],
            "market_caps": [[t, p * supply] for t, p in zip(stamps, prices, strict=True)],
            "total_volumes": [[t, p * supply * 0.04] for t, p in zip(stamps, prices, strict=True)],
        }

    def ohlc(self, coin: dict[str, Any], days: int) -> list[list[float]]:
        """Candles closing on their size's boundaries, the last one before NOW; timestamps are closes."""
        size = 1800 if days <= 2 else 4 * HOUR if days <= 30 else 4 * 86_400
        count = days * 86_400 // size
        last_close = NOW // size * size
        return [
            [(last_close - (count - 1 - i) * size) * 1000, o, h, low, c]
            for i, (o, h, low, c) in enumerate(candles(coin, count, size))
        ]

    # -- Binance klines and DefiLlama chart ------------------------------------------------------------

    def _binance(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v3/klines":
            return super()._binance(request)
        params = request.url.params
        ticker = params["symbol"].removesuffix("USDT").lower()
        found = [c for c in self.coins if c["symbol"] == ticker and "wormhole" not in c["id"]]
        if not params["symbol"].endswith("USDT") or not found or "unicorn" in found[0]["id"]:
            return httpx.Response(400, json={"code": -1121, "msg": "Invalid symbol."})
        size = KLINE_SECONDS[params["interval"]]
        count = int(params.get("limit", "500"))
        offset = MONDAY if size == KLINE_SECONDS["1w"] else 0
        current_open = (NOW - offset) // size * size + offset
        rows = []
        for i, (o, h, low, c) in enumerate(candles(found[0], count, size)):
            opened = current_open - (count - 1 - i) * size
            volume = 1000.0 + i
            rows.append(
                [
                    opened * 1000,
                    f"{o:.8f}",
                    f"{h:.8f}",
                    f"{low:.8f}",
                    f"{c:.8f}",
                    f"{volume:.8f}",
                    (opened + size) * 1000 - 1,
                    f"{volume * c:.8f}",
                    308,
                    f"{volume / 2:.8f}",
                    f"{volume * c / 2:.8f}",
                    "0",
                ]
            )
        return httpx.Response(200, json=rows, headers={"x-mbx-used-weight-1m": "2"})

    def _defillama(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/chart/"):
            return super()._defillama(request)
        key = request.url.path.removeprefix("/chart/")
        chain, _, ident = key.partition(":")
        found = [
            c
            for c in self.coins
            if c["id"] not in self.llama_missing
            and ((chain == "coingecko" and c["id"] == ident) or ident.lower() in c["platforms"].values())
        ]
        if not found:
            return httpx.Response(200, json={"coins": {}})
        step = LLAMA_PERIODS[request.url.params.get("period", "1d")]
        span = int(request.url.params.get("span", "0"))
        prices = walk(found[0], span, step)
        points = [{"timestamp": NOW - (span - 1 - i) * step, "price": p} for i, p in enumerate(prices)]
        coin = {"symbol": found[0]["symbol"].upper(), "confidence": 0.99, "prices": points}
        return httpx.Response(200, json={"coins": {key: coin}})

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


def walk(coin: dict[str, Any], count: int, step_s: int) -> list[float]:
    """`count` prices `step_s` apart ending at the coin's price: a random walk seeded by coin and step."""
    rng = random.Random(f"{coin['id']}/{step_s}")
    sigma = 0.03 * math.sqrt(step_s / 86_400)
    logs = [0.0]
    for _ in range(count - 1):
        logs.append(logs[-1] + rng.gauss(0.0, sigma))
    return [coin["price"] * math.exp(x - logs[-1]) for x in logs]


def candles(coin: dict[str, Any], count: int, step_s: int) -> list[tuple[float, float, float, float]]:
    """(open, high, low, close) of `count` candles whose closes are `walk`'s."""
    closes = walk(coin, count + 1, step_s)
    rng = random.Random(f"{coin['id']}/wicks")
    out = []
    for before, close in itertools.pairwise(closes):
        wick = abs(rng.gauss(0.0, 0.005))
        out.append((before, max(before, close) * (1 + wick), min(before, close) * (1 - wick), close))
    return out[-count:] if count else []


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
