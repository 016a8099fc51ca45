"""The worker's metrics: the Rust SDK's names, labelled ``queue`` and ``group``, through
``prometheus_client``, with a plain snapshot of the same values. A job counts as
``succeeded`` only once the server answered its ack ``acked``; a settle that came back stale
or not pending, or failed, is ``settle_failed`` instead."""

from __future__ import annotations

from dataclasses import dataclass, fields

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

COUNTERS = (
    ("processed", "Handlers that finished (success, retry, fail, panic or timeout)"),
    ("succeeded", "Jobs whose ack the server applied"),
    ("succeeded_by_fallback", "Timed-out jobs whose fallback succeeded and whose ack applied"),
    ("retried", "Jobs nacked for redelivery (the nack applied)"),
    ("failed", "Jobs dead-lettered by a Fail outcome (the term applied)"),
    ("timed_out", "Handlers that ran past the job timeout"),
    ("panicked", "Handlers that raised an exception"),
    ("settle_failed", "Settles that came back stale, not pending, or failed"),
    ("lease_lost", "Heartbeats that found the delivery taken by another consumer"),
    ("handed_back", "Jobs nacked back at shutdown, not run or not finished"),
    ("receive_errors", "Receives that failed"),
    ("breaker_transitions", "Circuit breaker state changes"),
)


@dataclass
class WorkerStats:
    """A plain snapshot of a worker's metrics."""

    processed: int = 0
    succeeded: int = 0
    succeeded_by_fallback: int = 0
    retried: int = 0
    failed: int = 0
    timed_out: int = 0
    panicked: int = 0
    settle_failed: int = 0
    lease_lost: int = 0
    handed_back: int = 0
    receive_errors: int = 0
    breaker_transitions: int = 0
    running: int = 0
    breaker_state: int = 0


class WorkerMetrics:
    """Registers the worker's metrics in ``registry`` (a fresh ``CollectorRegistry`` when
    none is given, so two workers in one process never clash; pass
    ``prometheus_client.REGISTRY`` to export them with the process's others)."""

    def __init__(
        self, queue: str, group: str, registry: CollectorRegistry | None = None
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._stats = WorkerStats()
        labels = ("queue", "group")
        self._counters = {
            name: Counter(f"conquiet_worker_{name}", doc, labels, registry=self.registry).labels(
                queue, group
            )
            for name, doc in COUNTERS
        }
        self._running = Gauge(
            "conquiet_worker_running", "Handlers running now", labels, registry=self.registry
        ).labels(queue, group)
        self._breaker = Gauge(
            "conquiet_worker_breaker_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open",
            labels,
            registry=self.registry,
        ).labels(queue, group)
        self._duration = Histogram(
            "conquiet_worker_handler_duration_seconds",
            "How long handlers (and fallbacks) ran",
            labels,
            registry=self.registry,
        ).labels(queue, group)

    def inc(self, name: str, by: int = 1) -> None:
        if by <= 0:
            return
        setattr(self._stats, name, getattr(self._stats, name) + by)
        self._counters[name].inc(by)

    def running(self, delta: int) -> None:
        self._stats.running += delta
        self._running.inc(delta)

    def breaker_state(self, value: int) -> None:
        self._stats.breaker_state = value
        self._breaker.set(value)

    def observe(self, seconds: float) -> None:
        self._duration.observe(seconds)

    def snapshot(self) -> WorkerStats:
        s = self._stats
        return WorkerStats(**{f.name: getattr(s, f.name) for f in fields(s)})
