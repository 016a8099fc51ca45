"""A worker process for the tests: runs a handler that never finishes on its own, prints
``running <id> <token> <deliveries>`` when a job starts, and its drain report at exit."""

from __future__ import annotations

import asyncio
import json
import sys

import conquiet as cq


async def main(port: int, queue: str) -> None:
    client = cq.AsyncClient("127.0.0.1", port)

    async def handler(job: cq.Job) -> None:
        print(f"running {job.id} {job.token} {job.deliveries}", flush=True)
        await asyncio.sleep(3600)

    worker = cq.Worker(
        client, cq.WorkerConfig(queue, max_workers=1, lease=1.0, drain_timeout=0.5), handler
    )
    report = await worker.run()  # SIGTERM / SIGINT drain it
    stats = worker.metrics.snapshot()
    print(json.dumps({"handed_back": report.handed_back, "in_time": report.finished_in_time,
                      "metric": stats.handed_back}), flush=True)
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
