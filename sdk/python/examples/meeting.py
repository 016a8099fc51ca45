"""A meeting of agents taking turns in a room, reading its event stream from a cursor; on
her turn one agent asks another's answering service by request/reply.

    CONQUIET_ADDR=127.0.0.1:6390 python examples/meeting.py
"""

from __future__ import annotations

import asyncio
import os
import uuid

import conquiet as cq

AGENTS = ["ada", "bob", "cyd"]
ROUNDS = 2


async def agent(client: cq.AsyncClient, room: str, me: str, stream: str, oracle: str) -> None:
    cursor: str | None = None
    spoken = 0
    while spoken < ROUNDS:
        # Wait for my turn by reading the room's events from my cursor: nothing is missed.
        events = await client.room_events(stream, after=cursor, wait=1)
        for e in events:
            cursor = e.id
            if e.event == "spoke" and e.text("participant") != me:
                print(f"  {me} heard {e.text('participant')}: {e.text('text')}")
        info = await client.room_info(room)
        if info.state == "ended":
            return
        if info.speaker != me:
            continue
        text = f"{me}'s point {spoken + 1}"
        if me == "cyd":
            reply = await client.request(oracle, {"question": "6 * 7"}, timeout=5)
            text += f" (the oracle says {reply.text('answer')})"
        await client.speak(room, me, text, pass_turn=True)
        spoken += 1


async def main() -> None:
    client = cq.AsyncClient.from_addr(os.environ.get("CONQUIET_ADDR", "127.0.0.1:6390"))
    suffix = uuid.uuid4().hex[:6]
    room, oracle = f"meeting-{suffix}", f"oracle-{suffix}"
    await client.create_queue(oracle)

    async def answer(job: cq.Job) -> dict[str, str]:
        a, _, b = job.text("question").partition("*")
        return {"answer": str(int(a) * int(b))}

    # bob's answering service: the handler's return value is the reply.
    service = cq.Worker(
        client, cq.WorkerConfig(oracle, max_workers=4, receive_wait=0.2),
        cq.service(client, oracle, answer),
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(service.run(stop, handle_signals=False))

    created = await client.create_room(room, AGENTS, turn_timeout=30)
    await client.start_room(room)
    print(f"room {room} started; events in {created.events_stream}")
    await asyncio.gather(
        *(agent(client, room, a, created.events_stream, oracle) for a in AGENTS)
    )
    await client.end_room(room)
    for e in await client.room_events(created.events_stream, count=1000):
        print(f"{e.id} {e.event} {dict((k.decode(), v.decode()) for k, v in e.fields)}")
    stop.set()
    await serving
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
