"""An asyncio job service: publishes jobs, then runs a worker over them with a timeout and
fallback, retries, and dead letters; SIGTERM or Ctrl-C drains it. Prints its figures and
Prometheus text when it stops.

    CONQUIET_ADDR=127.0.0.1:6390 python examples/job_service.py [jobs] [count]

Every job whose n is a multiple of 7 runs into its timeout (its fallback finishes it), every
multiple of 11 fails (dead-lettered), and every multiple of 5 fails once and is retried.
With ``--once`` it stops when the queue is settled instead of waiting for a signal.
"""

from __future__ import annotations

import asyncio
import os
import sys

from prometheus_client import generate_latest

import conquiet as cq


async def main(queue: str, count: int, once: bool) -> None:
    client = cq.AsyncClient.from_addr(os.environ.get("CONQUIET_ADDR", "127.0.0.1:6390"))
    try:
        await client.create_queue(
            queue, cq.QueueOptions(backoff=cq.ExponentialBackoff(0.05, 2, 1.0))
        )
    except cq.GroupExists:
        pass
    results = await client.publish_batch(queue, [{"n": str(n)} for n in range(1, count + 1)])
    print(f"published {sum(isinstance(r, cq.Published) for r in results)} jobs to {queue}")

    async def handle(job: cq.Job) -> cq.Outcome:
        n = int(job.text("n"))
        if n % 7 == 0:
            await asyncio.sleep(60)  # past the job timeout: the fallback runs
        if n % 11 == 0:
            return cq.Fail(f"job {n} cannot be done")
        if n % 5 == 0 and job.deliveries == 1:
            raise ConnectionError(f"job {n}: a flaky dependency")
        return cq.SUCCESS

    async def fallback(job: cq.Job) -> cq.Outcome:
        return cq.SUCCESS  # a cheaper answer instead of the slow one

    worker = cq.Worker(
        client,
        cq.WorkerConfig(queue, max_workers=8, job_timeout=0.5, drain_timeout=5),
        handle,
        fallback=fallback,
        on_breaker_change=[lambda a, b: print(f"breaker {a.name} -> {b.name}")],
    )
    stop = asyncio.Event()
    if once:

        async def stop_when_settled() -> None:
            while True:
                await asyncio.sleep(0.2)
                group = (await client.queue_info(queue)).group("default")
                if group is not None and group.pending == 0 and group.waiting == 0 and group.lag == 0:
                    stop.set()
                    return

        watcher = asyncio.create_task(stop_when_settled())
    report = await worker.run(stop)
    if once:
        await watcher
    print(f"drained: finished in time {report.finished_in_time}, handed back {report.handed_back}")
    print(worker.metrics.snapshot())
    print(generate_latest(worker.metrics.registry).decode())
    dead = await client.dead_letters(f"{queue}:dlq")
    print(f"{len(dead)} dead letters: {[d.reason for d in dead][:5]}")
    await client.aclose()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--once"]
    asyncio.run(
        main(args[0] if args else "jobs", int(args[1]) if len(args) > 1 else 100, "--once" in sys.argv)
    )
