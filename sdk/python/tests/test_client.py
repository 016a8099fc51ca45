from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

import conquiet as cq
from conquiet import AsyncClient, Handle, QueueOptions, SettleOutcome


async def test_publish_receive_ack_carries_count_and_token(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("basic")
    await client.create_queue(q)
    pub = await client.publish(q, {"order": "7"}, key="order-7")
    again = await client.publish(q, {"order": "7"}, key="order-7")
    assert not pub.duplicate
    assert again.duplicate and again.id == pub.id  # dedup answers the first id

    first = await client.receive(q, "default", "w1", count=10, lease=0.2)
    assert [d.id for d in first] == [pub.id]
    d1 = first[0]
    assert d1.deliveries == 1 and d1.text("order") == "7" and d1.lease_until_ms is not None
    await asyncio.sleep(0.3)  # the lease ends unsettled: it comes back
    second = await client.receive(q, "default", "w2", count=10, wait=2)
    assert len(second) == 1
    d2 = second[0]
    assert d2.id == d1.id and d2.deliveries == 2 and d2.token > d1.token
    status = await client.status(q, d2.id)
    assert status.state == "in-flight" and status.token == d2.token and status.consumer == "w2"

    [outcome] = await client.ack(q, "default", [d2.handle])
    assert isinstance(outcome, SettleOutcome) and outcome.outcome == "acked" and outcome.applied
    assert (await client.status(q, d2.id)).state == "acked"
    info = await client.queue_info(q)
    g = info.group("default")
    assert g is not None and g.acked == 1 and g.pending == 0 and g.redelivered == 1


async def test_bytes_delay_and_batch(client: AsyncClient, name: Callable[[str], str]) -> None:
    q = name("batch")
    await client.create_queue(q, QueueOptions(max_entries=3))
    await client.publish(q, b"\x00\x01payload", delay=0.2)
    assert await client.receive(q, count=5) == []  # delayed
    results = await client.publish_batch(q, [{"n": "1"}, b"two", {"n": "3"}])
    # The queue takes 3 entries: the delayed one and two of these; each has its own result.
    assert [type(r).__name__ for r in results] == ["Published", "Published", "QueueFull"]
    await asyncio.sleep(0.25)
    got = await client.receive(q, count=5)
    assert got[0].data == b"\x00\x01payload" and len(got) == 3


async def test_a_stale_handle_in_a_batch_never_stops_the_others(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("stale")
    await client.create_queue(q)
    for n in range(3):
        await client.publish(q, {"n": str(n)})
    old = await client.receive(q, "default", "a", count=3, lease=0.2)
    assert len(old) == 3
    await asyncio.sleep(0.3)
    new = await client.receive(q, "default", "b", count=3, wait=2)
    assert {d.id for d in new} == {d.id for d in old}
    by_id = {d.id: d for d in new}
    handles = [old[0].handle, by_id[old[1].id].handle, by_id[old[2].id].handle]
    outcomes = await client.ack(q, "default", handles)
    assert [o.outcome for o in outcomes if isinstance(o, SettleOutcome)] == [
        "stale", "acked", "acked",
    ]
    stale = outcomes[0]
    assert isinstance(stale, SettleOutcome) and not stale.applied
    assert stale.current_token == by_id[old[0].id].token
    # The stale ack changed nothing: the current delivery still holds the entry.
    assert (await client.status(q, old[0].id)).state == "in-flight"
    # A touch, nack and term each answer per handle too.
    [t] = await client.touch(q, "default", [by_id[old[0].id].handle], lease=5)
    assert isinstance(t, SettleOutcome) and t.outcome == "touched"
    [n] = await client.nack(q, "default", [Handle(old[0].id, 1)], delay=0)
    assert isinstance(n, SettleOutcome) and n.outcome == "stale"


async def test_refusals_are_typed_exceptions(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("typed")
    await client.create_queue(q, QueueOptions(max_entries=1))
    await client.publish(q, {"a": "1"})
    with pytest.raises(cq.QueueFull) as full:
        await client.publish(q, {"a": "2"})
    assert full.value.kind == "full" and full.value.transient
    with pytest.raises(cq.NoSuchGroup) as nogroup:
        await client.receive(q, "no-such-group", "w")
    assert nogroup.value.kind == "not_found"
    with pytest.raises(cq.NoSuchQueue):
        await client.queue_info(name("missing"))
    with pytest.raises(cq.GroupExists):
        await client.create_queue(q)
    with pytest.raises(cq.InvalidArgument):
        await client.configure(q, QueueOptions())

    lock = name("lock")
    grant = await client.lock(lock, "owner-a", 5)
    assert grant.granted
    held = await client.lock(lock, "owner-b", 5)
    assert not held.granted and held.holder == "owner-a" and held.token == grant.token
    with pytest.raises(cq.Busy):
        await client.lock(lock, "owner-a", 5)
    assert await client.unlock(lock, "owner-a", grant.token)
    second = await client.lock(lock, "owner-b", 5)
    assert second.granted and second.token > grant.token
    with pytest.raises(cq.StaleToken) as stale:
        await client.renew(lock, "owner-a", grant.token, 5)  # the old grant is not current
    assert stale.value.kind == "stale"
    with pytest.raises(cq.StaleToken):
        await client.unlock(lock, "owner-a", grant.token)
    info = await client.lock_info(lock)
    assert info.holder == "owner-b" and info.token == second.token

    room = name("room")
    await client.create_room(room, ["a", "b"])
    with pytest.raises(cq.RoomStateConflict):
        await client.speak(room, "a", "too early")
    await client.start_room(room)
    with pytest.raises(cq.NotYourTurn):
        await client.speak(room, "b", "not mine")
    with pytest.raises(cq.NoSuchRoom):
        await client.room_info(name("noroom"))
    with pytest.raises(cq.RequestTimeout) as timeout:
        await client.request(name("nobody"), {"q": "?"}, timeout=0.1)
    assert timeout.value.kind == "timeout"


def test_server_texts_map_as_the_rust_sdk() -> None:
    # The cases of crates/conquiet-client/src/error.rs's server_texts_map_to_kinds.
    cases = [
        ("FULL stream 'q' is full: entries would be 2, limit is 1", cq.QueueFull, "full"),
        ("NOGROUP No such key 'q' or consumer group 'g'", cq.NoSuchGroup, "not_found"),
        ("ERR no such key", cq.NoSuchQueue, "not_found"),
        ("BUSYGROUP Consumer Group name already exists", cq.GroupExists, "exists"),
        ("ERR COUNT is 20000, limit is 10000", cq.LimitExceeded, "limit"),
        ("ERR invalid policy: factor below 1", cq.InvalidArgument, "invalid"),
        ("NOAUTH Authentication required.", cq.AuthError, "auth"),
        ("STALE lock 'x' token 4 is not current, current is 5", cq.StaleToken, "stale"),
        ("BUSYLOCK lock 'x' is already held by this owner", cq.Busy, "exists"),
        ("NOTYOURTURN room 'r': it is 'b's turn (turn 2)", cq.NotYourTurn, "conflict"),
        ("NOROOM no such room 'r'", cq.NoSuchRoom, "not_found"),
        ("TIMEOUT request 1-0 to 's' got no reply within 5 ms", cq.RequestTimeout, "timeout"),
        ("ERR something else", cq.ServerError, "server"),
    ]
    for text, cls, kind in cases:
        e = cq.from_reply(text)
        assert type(e) is cls and e.kind == kind and str(e) == text, text


def test_the_blocking_client(server: tuple[str, int], name: Callable[[str], str]) -> None:
    q = name("sync")
    with cq.Client(*server) as c:
        c.create_queue(q)
        pub = c.publish(q, {"x": "1"})
        [d] = c.receive(q, consumer="s", wait=1)
        assert d.id == pub.id
        [o] = c.term(q, "default", [d.handle], reason="poison")
        assert isinstance(o, SettleOutcome) and o.outcome == "dead-lettered"
        [letter] = c.dead_letters(f"{q}:dlq")
        assert letter.source == q and letter.reason == "poison" and letter.fields == [(b"x", b"1")]
        assert c.status(q, d.id).state == "dead-lettered"
        assert c.redrive(f"{q}:dlq") == 1
        assert c.queue_info(q).length == 2
        with pytest.raises(cq.NoSuchGroup):
            c.receive(q, group="nope")


async def test_a_bound_lock_is_released_when_its_connection_closes(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    lock = name("bound")
    bound = await client.lock_bound(lock, "holder", 30)
    assert bound is not None
    info = await client.lock_info(lock)
    assert info.bound and info.holder == "holder" and info.token == bound.token
    assert await client.lock_bound(lock, "other", 30) is None
    await bound.renew(30)
    await bound.close()  # as if the process died: the server releases it
    for _ in range(100):
        if (await client.lock_info(lock)).holder is None:
            break
        await asyncio.sleep(0.01)
    assert (await client.lock_info(lock)).holder is None
    again = await client.lock_bound(lock, "other", 30)
    assert again is not None and again.token > bound.token
    assert await again.release()


async def test_200_concurrent_tasks_never_open_more_than_the_pool(
    server: tuple[str, int], client: AsyncClient, name: Callable[[str], str]
) -> None:
    q = name("pool")
    tag = name("pooled")
    await client.create_queue(q, QueueOptions(max_entries=150))
    small = AsyncClient(*server, name=tag, pool_size=4, blocking_pool_size=2)
    seen: list[int] = []

    async def open_connections() -> int:
        listing = await client.command("CLIENT", "LIST")
        text = listing.decode() if isinstance(listing, bytes) else str(listing)
        return sum(1 for line in text.splitlines() if f"name={tag} " in line + " ")

    async def watch() -> None:
        while True:
            seen.append(await open_connections())
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    try:
        results = await asyncio.gather(
            *(small.publish(q, {"n": str(n)}) for n in range(200)), return_exceptions=True
        )
        received = await asyncio.gather(
            *(small.receive(q, "default", f"c{n}", wait=0.05) for n in range(20))
        )
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    published = [r for r in results if isinstance(r, cq.Published)]
    full = [r for r in results if isinstance(r, cq.QueueFull)]
    assert len(published) == 150 and len(full) == 50
    assert len({r.id for r in published}) == 150
    assert sum(len(r) for r in received) == 20
    seen.append(await open_connections())
    assert max(seen) <= 4 + 2 and seen[-1] >= 1
    await small.aclose()


async def test_ten_agents_speaking_at_once_only_the_speaker_is_heard(
    client: AsyncClient, name: Callable[[str], str]
) -> None:
    room = name("room")
    agents = [f"agent{n}" for n in range(10)]
    created = await client.create_room(room, agents)
    await client.start_room(room)
    for turn in range(3):
        said = await asyncio.gather(
            *(client.speak(room, a, f"{a} at {turn}") for a in agents),
            return_exceptions=True,
        )
        heard = [r for r in said if isinstance(r, cq.Room)]
        refused = [r for r in said if isinstance(r, cq.NotYourTurn)]
        assert len(heard) == 1 and len(refused) == 9
        assert heard[0].speaker == agents[turn]
        passed = await client.pass_turn(room, agents[turn])
        assert passed.speaker == agents[turn + 1]
    events = await client.room_events(created.events_stream, count=100)
    spoke = [e.text("participant") for e in events if e.event == "spoke"]
    assert spoke == agents[:3]
    # A reader that comes back later reads on from its cursor and misses nothing.
    later = await client.room_events(created.events_stream, after=events[2].id, count=100)
    assert [e.id for e in later] == [e.id for e in events[3:]]
