"""``Worker``: runs an async handler over a queue's group with a concurrency limit, a per-job
timeout and fallback, heartbeats that keep running jobs' leases, a circuit breaker, a
graceful drain, and metrics; the Rust SDK's worker (crates/conquiet-client/src/worker),
outcome for outcome. Every delivery it takes is settled on every path: success acks, retry
and an exception nack, fail terms, shutdown hands back; only a settle the server refuses or
cannot receive is left to the lease."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Union

from prometheus_client import CollectorRegistry

from .aio import AsyncClient
from .breaker import Admit, Breaker, BreakerConfig, BreakerHook, BreakerState
from .errors import ClientClosed, ConquietError
from .metrics import WorkerMetrics
from .types import Delivery, Handle, Job, SettleOutcome, Settled

log = logging.getLogger("conquiet.worker")

CONCURRENCY_MAX = 10_000
BATCH_MAX = 256
WAIT_MIN = 0.010
JOB_TIMEOUT_MAX = 24 * 3600.0
GATHER_WAIT = 0.001
SETTLE_BATCH_MAX = 1024
SHUTDOWN_REASON = "worker shutting down"


@dataclass(frozen=True)
class Success:
    """Ack the message."""


@dataclass(frozen=True)
class Retry:
    """Nack it: redelivered after ``delay`` seconds (the group's backoff when ``None``)."""

    reason: str | None = None
    delay: float | None = None


@dataclass(frozen=True)
class Fail:
    """Term it: to the dead-letter stream at once. Not a dependency failure: the breaker
    does not count it."""

    reason: str


Outcome = Union[Success, Retry, Fail]
SUCCESS = Success()

Handler = Callable[[Job], Awaitable[Union[Outcome, None]]]
"""An async handler; returning ``None`` is ``Success``, raising is a retry (``panicked``)."""

Probe = Callable[[], Awaitable[bool]]

_NEXT = itertools.count(1)


def _consumer_name() -> str:
    return f"worker-{os.getpid()}-{next(_NEXT)}"


@dataclass
class WorkerConfig:
    """The Rust SDK's ``WorkerConfig``; durations in seconds."""

    queue: str
    group: str = "default"
    consumer: str = field(default_factory=_consumer_name)
    max_workers: int = 16
    """Most jobs running at once (at most 10 000)."""
    batch: int = 16
    """Most messages one receive asks for (at most 256 and ``max_workers``)."""
    receive_wait: float = 2.0
    lease: float | None = 30.0
    heartbeat: float | None = None
    """How often a running job's lease is touched; ``None``: a third of the lease."""
    heartbeats: bool = True
    job_timeout: float = 300.0
    drain_timeout: float = 30.0
    breaker: BreakerConfig | None = field(default_factory=BreakerConfig)

    def within_limits(self) -> WorkerConfig:
        c = WorkerConfig(**self.__dict__)
        c.max_workers = min(max(c.max_workers, 1), CONCURRENCY_MAX)
        c.batch = min(max(c.batch, 1), BATCH_MAX, c.max_workers)
        c.receive_wait = max(c.receive_wait, WAIT_MIN)
        if c.heartbeat is None and c.lease is not None:
            c.heartbeat = c.lease / 3
        if c.heartbeat is not None:
            c.heartbeat = max(c.heartbeat, WAIT_MIN)
        if not c.heartbeats:
            c.heartbeat = None
        c.job_timeout = min(max(c.job_timeout, WAIT_MIN), JOB_TIMEOUT_MAX)
        return c


@dataclass
class DrainReport:
    """What shutdown did: whether every running job finished before the drain timeout, and
    how many deliveries were handed back (nacked with no delay, applied)."""

    finished_in_time: bool = True
    handed_back: int = 0


class _Ran:
    """A handler's end: an outcome, an exception, or the timeout."""

    def __init__(self, kind: str, outcome: Outcome | None = None, detail: str = "") -> None:
        self.kind, self.outcome, self.detail = kind, outcome, detail


@dataclass
class _AckRequest:
    handle: Handle
    reply: asyncio.Future[Settled]


class Worker:
    """Build one with a client, a config and a handler; ``await worker.run()`` until
    ``shutdown()`` is called, the ``shutdown`` event is set, or SIGTERM/SIGINT arrives."""

    def __init__(
        self,
        client: AsyncClient,
        config: WorkerConfig,
        handler: Handler,
        *,
        fallback: Handler | None = None,
        probe: Probe | None = None,
        on_breaker_change: list[BreakerHook] | None = None,
        metrics: WorkerMetrics | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.client = client
        self.config = config.within_limits()
        self.handler = handler
        self.fallback = fallback
        self.probe = probe
        self.metrics = metrics or WorkerMetrics(self.config.queue, self.config.group, registry)
        self._hooks = list(on_breaker_change or [])
        self._breaker: Breaker | None = None
        self._shutdown: asyncio.Event | None = None

    @property
    def breaker_state(self) -> BreakerState:
        return self._breaker.state if self._breaker else BreakerState.CLOSED

    def shutdown(self) -> None:
        """Begins the drain (from the worker's loop thread)."""
        if self._shutdown is not None:
            self._shutdown.set()

    async def run(
        self, shutdown: asyncio.Event | None = None, *, handle_signals: bool = True
    ) -> DrainReport:
        """Receives and runs jobs until ``shutdown`` is set (or SIGTERM/SIGINT with
        ``handle_signals`` in the main thread), then drains: no more receives (a receive
        already waiting finishes and what it brings goes back at once), running jobs get
        until ``drain_timeout``, the rest are cancelled and nacked with no delay, the last
        acks are awaited. Every task it started has ended when it returns."""
        loop = asyncio.get_running_loop()
        stop = shutdown or asyncio.Event()
        self._shutdown = stop
        installed: list[signal.Signals] = []
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(sig, stop.set)
                    installed.append(sig)
                except (NotImplementedError, RuntimeError):
                    pass
        try:
            return await self._run(stop)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    async def _run(self, stop: asyncio.Event) -> DrainReport:
        config = self.config
        breaker = Breaker(config.breaker, self._hooks, self.metrics)
        self._breaker = breaker
        slots = asyncio.Semaphore(config.max_workers)
        acks: asyncio.Queue[_AckRequest | None] = asyncio.Queue(maxsize=config.max_workers)
        abort = asyncio.Event()
        settler = asyncio.create_task(self._settler(acks))
        jobs: set[asyncio.Task[bool]] = set()
        report = DrainReport()
        failures = 0
        stopped = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                admit_task = asyncio.create_task(breaker.admit())
                if not await _first(admit_task, stopped):
                    break
                admit = admit_task.result()
                acquire = asyncio.create_task(slots.acquire())
                if not await _first(acquire, stopped):
                    if acquire.done() and not acquire.cancelled():
                        slots.release()
                    break
                held = 1
                # A job that finished while we waited for its slot may have opened it.
                if admit == Admit.ALL and breaker.state != BreakerState.CLOSED:
                    slots.release()
                    continue
                if admit == Admit.PROBE and self.probe is not None:
                    # The application's own health check decides; no message spends a
                    # delivery. One that does not answer within the job timeout failed.
                    slots.release()
                    check = asyncio.create_task(self._probe())
                    if not await _first(check, stopped):
                        break
                    breaker.record(not check.result(), True)
                    continue
                want = 1 if admit == Admit.PROBE else config.batch
                held += await _take(slots, want - held)
                if held < want:
                    # Receives gather: jobs that finish together free their slots together.
                    await asyncio.sleep(GATHER_WAIT)
                    held += await _take(slots, want - held)
                receive = asyncio.create_task(
                    self.client.receive(
                        config.queue,
                        config.group,
                        config.consumer,
                        count=held,
                        wait=config.receive_wait,
                        lease=config.lease,
                    )
                )
                stopping = not await _first(receive, stopped, cancel=False)
                try:
                    deliveries = await receive
                    failures = 0
                except ConquietError:
                    self.metrics.inc("receive_errors")
                    _release(slots, held)
                    if admit == Admit.PROBE:
                        breaker.probe_unused()
                    if stopping:
                        break
                    failures += 1
                    pause = asyncio.create_task(asyncio.sleep(0.05 * (1 << min(failures, 6))))
                    if not await _first(pause, stopped):
                        break
                    continue
                if admit == Admit.PROBE and not deliveries:
                    breaker.probe_unused()
                if stopping:
                    _release(slots, held)
                    report.handed_back += await self._hand_back(deliveries)
                    break
                # The server never sends more than asked; if it did, the extra go back.
                extra = deliveries[held:]
                deliveries = deliveries[:held]
                report.handed_back += await self._hand_back(extra)
                _release(slots, held - len(deliveries))
                for d in deliveries:
                    task = asyncio.create_task(
                        self._job(d, admit == Admit.PROBE, slots, acks, abort)
                    )
                    jobs.add(task)
                    task.add_done_callback(jobs.discard)
        finally:
            stopped.cancel()
            # Drain: running jobs get until the deadline, then are cancelled and handed back.
            running = set(jobs)
            if running:
                _, pending = await asyncio.wait(running, timeout=config.drain_timeout)
                if pending:
                    report.finished_in_time = False
                    abort.set()
                    await asyncio.wait(running)
            for t in running:
                if not t.cancelled() and t.exception() is None and t.result():
                    report.handed_back += 1
            await acks.put(None)
            await settler
        return report

    async def _probe(self) -> bool:
        assert self.probe is not None
        try:
            async with asyncio.timeout(self.config.job_timeout):
                return bool(await self.probe())
        except Exception:  # a check that fails or does not answer in time is unhealthy
            return False

    async def _job(
        self,
        job: Job,
        probe: bool,
        slots: asyncio.Semaphore,
        acks: asyncio.Queue[_AckRequest | None],
        abort: asyncio.Event,
    ) -> bool:
        """Runs one job to its settle; true when it was handed back at shutdown."""
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                slots.release()

        try:
            loop = asyncio.get_running_loop()
            self.metrics.running(1)
            started = loop.time()
            ran: tuple[Outcome, bool] | None = None
            try:
                work = asyncio.create_task(self._with_heartbeat(job))
                aborted = asyncio.create_task(abort.wait())
                done, _ = await asyncio.wait(
                    {work, aborted}, return_when=asyncio.FIRST_COMPLETED
                )
                if work in done:
                    aborted.cancel()
                    try:
                        ran = work.result()
                    except BaseException as e:  # a handler that cancelled itself, say
                        self.metrics.inc("panicked")
                        ran = (Retry(reason=f"handler panicked: {e!r}"), False)
                else:
                    work.cancel()
                    await asyncio.gather(work, return_exceptions=True)
            finally:
                self.metrics.observe(loop.time() - started)
                self.metrics.running(-1)
            if ran is None:
                release()
                return await self._hand_back([job]) == 1
            self.metrics.inc("processed")
            await self._settle(job, probe, ran[0], ran[1], acks, release)
            return False
        finally:
            release()

    async def _handle(self, job: Job) -> tuple[Outcome, bool]:
        ran = await self._guarded(self.handler, job)
        if ran.kind == "done":
            assert ran.outcome is not None
            return ran.outcome, False
        if ran.kind == "panicked":
            self.metrics.inc("panicked")
            return Retry(reason=f"handler panicked: {ran.detail}"), False
        self.metrics.inc("timed_out")
        if self.fallback is not None:
            fell = await self._guarded(self.fallback, job)
            if fell.kind == "done" and isinstance(fell.outcome, Success):
                return SUCCESS, True
        return Retry(reason="handler timed out"), False

    async def _guarded(self, handler: Handler, job: Job) -> _Ran:
        try:
            async with asyncio.timeout(self.config.job_timeout) as deadline:
                out = await handler(job)
        except TimeoutError as e:
            if deadline.expired():
                return _Ran("timed_out")
            return _Ran("panicked", detail=repr(e))
        except Exception as e:
            return _Ran("panicked", detail=repr(e))
        if out is None:
            return _Ran("done", SUCCESS)
        if isinstance(out, (Success, Retry, Fail)):
            return _Ran("done", out)
        return _Ran("panicked", detail=f"handler returned {out!r}, not an outcome")

    async def _with_heartbeat(self, job: Job) -> tuple[Outcome, bool]:
        every = self.config.heartbeat
        if every is None:
            return await self._handle(job)
        beat = asyncio.create_task(self._beat(job, every))
        try:
            return await self._handle(job)
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    async def _beat(self, job: Job, every: float) -> None:
        lost = False
        while True:
            await asyncio.sleep(every)
            if lost:
                continue
            touched = await self.client.touch(
                job.queue, job.group, [job.handle], lease=self.config.lease
            )
            t = touched[0] if touched else None
            if isinstance(t, SettleOutcome) and t.outcome == "touched":
                continue
            if isinstance(t, ConquietError) and t.transient:
                continue  # a transport failure may pass; the next beat tries again
            # Stale or not pending: another consumer holds it now. The handler goes on (it
            # may be mid-write); its settle will be reported stale.
            self.metrics.inc("lease_lost")
            lost = True

    async def _settle(
        self,
        job: Job,
        probe: bool,
        outcome: Outcome,
        by_fallback: bool,
        acks: asyncio.Queue[_AckRequest | None],
        release: Callable[[], None],
    ) -> None:
        failed_dependency = not isinstance(outcome, (Success, Fail))
        assert self._breaker is not None
        self._breaker.record(failed_dependency, probe)
        c = self.config
        settled: Settled
        if isinstance(outcome, Success):
            reply: asyncio.Future[Settled] = asyncio.get_running_loop().create_future()
            await acks.put(_AckRequest(job.handle, reply))
            # The slot is free once the ack is queued: the next receive need not wait for it.
            release()
            settled = await reply
        elif isinstance(outcome, Retry):
            settled = _one(
                await self.client.nack(
                    c.queue, c.group, [job.handle], delay=outcome.delay, reason=outcome.reason
                )
            )
        else:
            settled = _one(
                await self.client.term(c.queue, c.group, [job.handle], reason=outcome.reason)
            )
        if not (isinstance(settled, SettleOutcome) and settled.applied):
            self.metrics.inc("settle_failed")
            return
        if isinstance(outcome, Success):
            self.metrics.inc("succeeded_by_fallback" if by_fallback else "succeeded")
        elif isinstance(outcome, Retry):
            self.metrics.inc("retried")
        else:
            self.metrics.inc("failed")

    async def _hand_back(self, deliveries: list[Delivery]) -> int:
        if not deliveries:
            return 0
        c = self.config
        settled = await self.client.nack(
            c.queue, c.group, [d.handle for d in deliveries], delay=0, reason=SHUTDOWN_REASON
        )
        given = sum(1 for s in settled if isinstance(s, SettleOutcome) and s.applied)
        self.metrics.inc("settle_failed", len(settled) - given)
        self.metrics.inc("handed_back", given)
        return given

    async def _settler(self, requests: asyncio.Queue[_AckRequest | None]) -> None:
        """Batches the jobs' acks into one ``CQ.ACK`` (up to 1 024 handles) at a time and
        gives each job its own outcome."""
        done = False
        while not done:
            first = await requests.get()
            batch: list[_AckRequest] = []
            if first is None:
                done = True
            else:
                batch.append(first)
            while len(batch) < SETTLE_BATCH_MAX and not requests.empty():
                r = requests.get_nowait()
                if r is None:
                    done = True
                else:
                    batch.append(r)
            if not batch:
                continue
            try:
                outcomes = await self.client.ack(
                    self.config.queue, self.config.group, [r.handle for r in batch]
                )
            except Exception as e:  # ack never raises; a closed loop or a bug might
                outcomes = [ClientClosed(f"ack failed: {e!r}") for _ in batch]
            for request, outcome in zip(batch, outcomes):
                if not request.reply.done():
                    request.reply.set_result(outcome)


async def _take(slots: asyncio.Semaphore, n: int) -> int:
    """Takes up to ``n`` slots that are free now (an uncontended acquire does not wait)."""
    got = 0
    while got < n and not slots.locked():
        await slots.acquire()
        got += 1
    return got


def _release(slots: asyncio.Semaphore, n: int) -> None:
    for _ in range(n):
        slots.release()


async def _first(task: asyncio.Task[Any], stopped: asyncio.Task[Any], *, cancel: bool = True) -> bool:
    """Waits for ``task`` or the stop; true when the task finished first (or both did).
    With ``cancel``, a task the stop beat is cancelled and awaited."""
    done, _ = await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        return True
    if cancel:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return False


def _one(settled: list[Settled]) -> Settled:
    if not settled:
        return ClientClosed("no outcome for a handle")
    return settled[0]
