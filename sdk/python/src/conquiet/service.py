"""Request/reply services: ``service()`` makes a worker handler whose return value *is* the
reply, so a handler cannot forget to answer; an exception it raises becomes an error reply
(``error`` field with its text), as the Rust SDK's ``Err(text)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .aio import AsyncClient
from .errors import ConquietError
from .types import CORRELATION_FIELD, Fields, Job, Message
from .worker import SUCCESS, Fail, Handler, Outcome, Retry

ServiceHandler = Callable[[Job], Awaitable[Fields | bytes | str | Message]]


def service(client: AsyncClient, name: str, handler: ServiceHandler) -> Handler:
    """A handler for a ``Worker`` on the service queue ``name``: it calls ``handler`` and
    sends what it returns as the reply (``CQ.REPLY``), then the worker acks the request. A
    request that is not one (no ``cq-correlation``) is dead-lettered; a reply that could
    not be sent is retried."""

    async def handle(job: Job) -> Outcome:
        correlation = job.field(CORRELATION_FIELD)
        if correlation is None:
            return Fail("not a request: no cq-correlation field")
        error = False
        reply: Fields | bytes | str | Message
        try:
            reply = await handler(job)
        except Exception as e:
            reply, error = {"error": str(e) or type(e).__name__}, True
        try:
            await client.reply(name, correlation.decode(), reply, error=error)
        except ConquietError as e:
            return Retry(reason=f"reply not sent: {e}")
        return SUCCESS

    return handle
