"""The circuit breaker, as the Rust SDK's: after ``consecutive_failures`` in a row (or a
``failure_rate`` over a window of recent jobs) it opens and the worker stops receiving, so
messages wait in the queue instead of spending their deliveries while a dependency is down.
After ``open_for`` it is half-open: one probe (the application's health check, or one real
job) decides; success closes it, failure opens it again. Every change calls every hook with
``(from, to)``."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .metrics import WorkerMetrics

log = logging.getLogger("conquiet.breaker")

RATE_WINDOW_MAX = 10_000


class BreakerState(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


@dataclass(frozen=True)
class FailureRate:
    """Open when at least ``ratio`` of the last ``window`` jobs failed."""

    ratio: float
    window: int


@dataclass(frozen=True)
class BreakerConfig:
    consecutive_failures: int = 5
    failure_rate: FailureRate | None = None
    open_for: float = 30.0
    """Seconds open before a probe."""


BreakerHook = Callable[[BreakerState, BreakerState], None]


class Admit(enum.Enum):
    ALL = "all"
    PROBE = "probe"


class Breaker:
    def __init__(
        self, config: BreakerConfig | None, hooks: list[BreakerHook], metrics: WorkerMetrics
    ) -> None:
        self.config = config
        self.hooks = hooks
        self.metrics = metrics
        self.state = BreakerState.CLOSED
        self._failures_in_row = 0
        self._recent: deque[bool] = deque()
        self._opened_at: float | None = None
        self._probe_out = False
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def admit(self) -> Admit:
        config = self.config
        if config is None:
            return Admit.ALL
        loop = asyncio.get_running_loop()
        while True:
            changed = self._changed
            wait: float | None
            if self.state == BreakerState.CLOSED:
                return Admit.ALL
            if self.state == BreakerState.HALF_OPEN:
                if not self._probe_out:
                    self._probe_out = True
                    return Admit.PROBE
                wait = None
            else:
                until = (self._opened_at or loop.time()) + config.open_for
                if loop.time() >= until:
                    self._move_to(BreakerState.HALF_OPEN)
                    self._probe_out = True
                    return Admit.PROBE
                wait = until - loop.time()
            try:
                await asyncio.wait_for(changed.wait(), wait)
            except asyncio.TimeoutError:
                pass

    def probe_unused(self) -> None:
        self._probe_out = False
        self._notify()

    def record(self, failed: bool, probe: bool) -> None:
        config = self.config
        if config is None:
            return
        self._failures_in_row = self._failures_in_row + 1 if failed else 0
        if config.failure_rate is not None:
            window = min(max(config.failure_rate.window, 1), RATE_WINDOW_MAX)
            self._recent.append(failed)
            while len(self._recent) > window:
                self._recent.popleft()
        if self.state == BreakerState.HALF_OPEN and probe:
            if failed:
                self._open()
            else:
                self._recent.clear()
                self._move_to(BreakerState.CLOSED)
        elif self.state == BreakerState.CLOSED and failed and self._trips(config):
            self._open()

    def _trips(self, config: BreakerConfig) -> bool:
        by_count = (
            config.consecutive_failures > 0
            and self._failures_in_row >= config.consecutive_failures
        )
        rate = config.failure_rate
        by_rate = False
        if rate is not None and rate.ratio == rate.ratio and rate.ratio > 0:
            window = min(max(rate.window, 1), RATE_WINDOW_MAX)
            failures = sum(1 for f in self._recent if f)
            by_rate = len(self._recent) >= window and failures >= min(rate.ratio, 1.0) * window
        return by_count or by_rate

    def _open(self) -> None:
        self._opened_at = asyncio.get_running_loop().time()
        self._probe_out = False
        self._move_to(BreakerState.OPEN)

    def _move_to(self, to: BreakerState) -> None:
        before = self.state
        if before == to:
            return
        self.state = to
        self.metrics.breaker_state(int(to))
        self.metrics.inc("breaker_transitions")
        for hook in self.hooks:
            try:
                hook(before, to)
            except Exception:  # a hook's failure must not stop the worker or other hooks
                log.exception("breaker hook failed on %s -> %s", before.name, to.name)
        self._notify()
