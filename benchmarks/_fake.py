"""Benchmarks reuse the tests' upstream fake (an in-process httpx.MockTransport), never the network."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.upstream import FakeUpstream, coin

__all__ = ["FakeUpstream", "coin"]
