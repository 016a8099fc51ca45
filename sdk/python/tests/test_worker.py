from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from conftest import wait_until

import conquiet as cq
from conquiet import (
    SUCCESS,
    AsyncClient,
    BackoffNone,
    BreakerConfig,
    BreakerState,
    Job,
    Outcome,
    QueueOptions,
    Retry,
    Worker,
    WorkerConfig,
)


_running: list[tuple[asyncio.Event, asyncio.Task[cq.DrainReport]]] = []


def start(worker: Worker) -> tuple[asyncio.Event, asyncio.Task[cq.DrainReport]]:
    stop = asyncio.Event()
    run = asyncio.create_task(worker.run(stop, handle_signals=False))
    _running.append((stop, run))
    return stop, run


@pytest.fixture(autouse=True)
async def _stop_workers() -> AsyncIterator[None]:
    """A test that fails midway still stops its workers before its loop closes."""
    yield
    while _running:
        stop, run = _running.pop()
        stop.set()
        await asyncio.wait_for(asyncio.shield(run), 40)


async def test_a_timed_out_job_runs_the_fallback(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("timeout")
    await client.create_queue(q, QueueOptions(backoff=BackoffNone()))
    await client.publish(q, {"kind": "slow"})
    await client.publish(q, {"kind": "slow", "fallback": "fails"})
    fallbacks: list[str] = []

    async def handler(job: Job) -> Outcome:
        await asyncio.sleep(10)
        return SUCCESS

    async def fallback(job: Job) -> Outcome | None:
        fallbacks.append(job.id)
        if job.field("fallback") == b"fails":
            raise RuntimeError("fallback down too")
        return None

    worker = Worker(
        client,
        WorkerConfig(q, job_timeout=0.2, receive_wait=0.1, breaker=None),
        handler,
        fallback=fallback,
    )
    stop, run = start(worker)
    m = worker.metrics
    await wait_until(lambda: m.snapshot().succeeded_by_fallback == 1 and m.snapshot().retried >= 1)
    stop.set()
    await run
    s = m.snapshot()
    assert s.timed_out >= 2 and s.succeeded == 0 and s.processed >= 2
    assert len(fallbacks) >= 2
    text = m.registry.get_sample_value(
        "conquiet_worker_succeeded_by_fallback_total", {"queue": q, "group": "default"}
    )
    assert text == 1.0


async def test_an_exception_in_the_handler_retries_and_the_worker_goes_on(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("panic")
    await client.create_queue(q, QueueOptions(backoff=BackoffNone()))
    for n in range(5):
        await client.publish(q, {"n": str(n)})
    seen: list[tuple[str, int]] = []

    async def handler(job: Job) -> None:
        seen.append((job.text("n"), job.deliveries))
        if job.text("n") == "2" and job.deliveries == 1:
            raise ValueError("boom")

    worker = Worker(client, WorkerConfig(q, max_workers=2, receive_wait=0.1), handler)
    stop, run = start(worker)
    await wait_until(lambda: worker.metrics.snapshot().succeeded == 5)
    stop.set()
    report = await run
    s = worker.metrics.snapshot()
    assert s.panicked == 1 and s.retried == 1 and s.processed == 6 and s.settle_failed == 0
    assert ("2", 2) in seen
    assert report.finished_in_time and report.handed_back == 0
    g = (await client.queue_info(q)).group("default")
    assert g is not None and g.pending == 0 and g.acked == 5


async def test_heartbeats_keep_a_job_across_several_leases(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("heartbeat")
    await client.create_queue(q)
    await client.publish(q, {"job": "long"})
    stolen: list[int] = []

    async def handler(job: Job) -> None:
        # Four leases long; another consumer keeps trying to take it meanwhile.
        for _ in range(24):
            await asyncio.sleep(0.1)
            stolen.extend(d.deliveries for d in await client.receive(q, "default", "thief"))

    worker = Worker(
        client, WorkerConfig(q, max_workers=1, lease=0.6, receive_wait=0.1), handler
    )
    stop, run = start(worker)
    await wait_until(lambda: worker.metrics.snapshot().processed >= 1)
    await wait_until(lambda: worker.metrics.snapshot().settle_failed + worker.metrics.snapshot().succeeded >= 1)
    stop.set()
    await run
    assert stolen == []
    s = worker.metrics.snapshot()
    assert s.lease_lost == 0 and s.settle_failed == 0
    g = (await client.queue_info(q)).group("default")
    assert g is not None and g.delivered == 1 and g.acked == 1


async def test_a_stale_ack_is_not_a_success(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("stale-ack")
    await client.create_queue(q)
    await client.publish(q, {"job": "x"})

    async def handler(job: Job) -> None:
        await asyncio.sleep(0.4)  # past its lease, with no heartbeat to keep it

    worker = Worker(
        client,
        WorkerConfig(q, max_workers=1, lease=0.2, heartbeats=False, receive_wait=0.1),
        handler,
    )
    stop, run = start(worker)
    await wait_until(lambda: worker.metrics.snapshot().running == 1)
    [taken] = await client.receive(q, "default", "thief", lease=30, wait=1)
    await wait_until(lambda: worker.metrics.snapshot().processed == 1)
    await wait_until(lambda: worker.metrics.snapshot().settle_failed == 1)
    stop.set()
    await run
    s = worker.metrics.snapshot()
    assert s.succeeded == 0 and taken.deliveries == 2
    assert (await client.status(q, taken.id)).state == "in-flight"


async def test_the_breaker_stops_receiving_while_a_dependency_fails_and_resumes(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("breaker")
    await client.create_queue(q, QueueOptions(backoff=BackoffNone(), max_deliveries=5))
    for n in range(10):
        await client.publish(q, {"n": str(n)})
    down = True
    calls = 0
    changes: list[tuple[BreakerState, BreakerState]] = []

    async def handler(job: Job) -> Outcome | None:
        nonlocal calls
        calls += 1
        return Retry("database down") if down else None

    async def probe() -> bool:
        return not down

    worker = Worker(
        client,
        WorkerConfig(
            q,
            max_workers=1,
            receive_wait=0.1,
            breaker=BreakerConfig(consecutive_failures=3, open_for=0.3),
        ),
        handler,
        probe=probe,
        on_breaker_change=[lambda a, b: changes.append((a, b))],
    )
    stop, run = start(worker)
    await wait_until(lambda: worker.breaker_state == BreakerState.OPEN)
    calls_when_open = calls
    await asyncio.sleep(1.0)  # three open periods: the probe fails each time
    assert calls == calls_when_open == 3  # no message spent a delivery while open
    assert worker.metrics.snapshot().breaker_state in (1, 2)
    down = False
    await wait_until(lambda: worker.metrics.snapshot().succeeded == 10)
    stop.set()
    await run
    assert worker.breaker_state == BreakerState.CLOSED
    assert changes[0] == (BreakerState.CLOSED, BreakerState.OPEN)
    assert (BreakerState.OPEN, BreakerState.HALF_OPEN) in changes
    assert (BreakerState.HALF_OPEN, BreakerState.OPEN) in changes
    assert changes[-1] == (BreakerState.HALF_OPEN, BreakerState.CLOSED)
    assert worker.metrics.snapshot().breaker_transitions == len(changes)
    info = await client.queue_info(q)
    g = info.group("default")
    assert g is not None and g.dead_lettered == 0 and g.acked == 10
    assert await client.dead_letters(f"{q}:dlq") == []


async def test_drain_finishes_in_flight_work_and_hands_back_the_rest(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("drain")
    await client.create_queue(q)
    fast = await client.publish(q, {"sleep": "0.3"})
    slow = await client.publish(q, {"sleep": "30"})
    untouched = await client.publish(q, {"sleep": "0"})
    finished: list[str] = []

    async def handler(job: Job) -> None:
        await asyncio.sleep(float(job.text("sleep")))
        finished.append(job.id)

    worker = Worker(
        client, WorkerConfig(q, max_workers=2, drain_timeout=1.0, receive_wait=0.1), handler
    )
    stop, run = start(worker)
    await wait_until(lambda: worker.metrics.snapshot().running == 2)
    began = asyncio.get_running_loop().time()
    stop.set()
    report = await run
    took = asyncio.get_running_loop().time() - began
    assert finished == [fast.id]
    assert not report.finished_in_time and report.handed_back == 1
    assert 0.9 < took < 3
    s = worker.metrics.snapshot()
    assert s.succeeded == 1 and s.handed_back == 1 and s.running == 0
    # The slow job is back at once (no delay) with its next delivery; the third never left.
    got = await client.receive(q, "default", "next", count=5)
    by_id = {d.id: d for d in got}
    assert set(by_id) == {slow.id, untouched.id}
    assert by_id[slow.id].deliveries == 2 and by_id[untouched.id].deliveries == 1


async def test_request_reply_with_a_handler_whose_return_value_is_the_reply(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    svc = name("svc")
    await client.create_queue(svc)

    async def double(job: Job) -> dict[str, str]:
        n = int(job.text("n"))
        if n < 0:
            raise ValueError("negative")
        return {"answer": str(2 * n)}

    worker = Worker(
        client, WorkerConfig(svc, max_workers=8, receive_wait=0.1), cq.service(client, svc, double)
    )
    stop, run = start(worker)
    replies = await asyncio.gather(
        *(client.request(svc, {"n": str(n)}, timeout=5) for n in range(100))
    )
    assert [r.text("answer") for r in replies] == [str(2 * n) for n in range(100)]
    assert all(r.ok for r in replies)
    bad = await client.request(svc, {"n": "-1"}, timeout=5)
    assert not bad.ok and bad.text("error") == "negative"
    await wait_until(lambda: worker.metrics.snapshot().succeeded == 101)
    stop.set()
    await run
