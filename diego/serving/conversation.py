"""One client's conversation over an ASGI WebSocket: text in, Diego's reply out."""

import logging
import time
import typing

from ..logs import OncePerInterval
from .limits import MessageTooLong, TokenBucket, check_message
from .metrics import Metrics

logger = logging.getLogger("diego")
_cannot_answer = OncePerInterval()

Receive = typing.Callable[[], typing.Awaitable[dict]]
Send = typing.Callable[[dict], typing.Awaitable[None]]
Answer = typing.Callable[[str], typing.Awaitable[str]]

UNSUPPORTED_DATA = 1003
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
TEXT_ONLY = "Diego only understands text messages."
TOO_FAST = "You're sending messages faster than I can read them: please slow down."
TOO_FAST_CLOSE = "Too many messages, too fast."
CANNOT_THINK = "Sorry, I can't think right now. Please try again in a moment."


async def converse(
    receive: Receive,
    send: Send,
    answer: Answer,
    *,
    max_message_length: int,
    bucket: TokenBucket | None = None,
    metrics: Metrics | None = None,
    outcome_of: typing.Callable[[str], str] = lambda reply: "answered",
):
    """Accept the WebSocket, then answer each text message until the client leaves.

    Empty and over-long messages get a polite reply and the conversation goes on;
    a binary message closes the connection with 1003 and a reason. Past the `bucket`'s
    rate, a message gets a warning instead of an answer, and the next one too fast
    closes the connection with 1008. Each reply is counted in `metrics`, by outcome:
    `outcome_of(reply)` says what an answer was ("answered", "fallback"...).
    """
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    warned = False
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        received = time.perf_counter()
        if metrics is not None:
            metrics.received.inc()
        if message.get("text") is None:
            await send({"type": "websocket.close", "code": UNSUPPORTED_DATA, "reason": TEXT_ONLY})
            return
        if bucket is not None and not bucket.take():
            if warned:
                if metrics is not None:
                    metrics.refused.labels("rate").inc()
                await send(
                    {"type": "websocket.close", "code": POLICY_VIOLATION, "reason": TOO_FAST_CLOSE}
                )
                return
            warned, reply, outcome = True, TOO_FAST, "rate_limited"
        else:
            warned = False
            reply, outcome = await _reply(message["text"], answer, max_message_length)
            outcome = outcome or outcome_of(reply)
        if metrics is not None:
            metrics.replied(outcome, time.perf_counter() - received)
        try:
            await send({"type": "websocket.send", "text": reply})
        except OSError:
            # The client left while Diego was thinking (uvicorn's ClientDisconnected).
            return


async def _reply(text: str, answer: Answer, max_message_length: int) -> tuple[str, str | None]:
    """The reply, and its outcome if it is not an answer."""
    try:
        text = check_message(text, max_message_length)
    except MessageTooLong as exc:
        return str(exc), "too_long"
    except ValueError as exc:
        return str(exc), "invalid"
    try:
        return await answer(text), None
    except Exception as exc:
        # One line per interval: an outage (the database, say) would flood the log.
        count = _cannot_answer()
        if count:
            logger.error("Diego could not answer %d message(s): %s", count, one_line(exc))
        return CANNOT_THINK, "apology"


def one_line(exc: BaseException) -> str:
    """The exception's type and the first line of its message."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


async def refuse(receive: Receive, send: Send, code: int, reason: str) -> None:
    """Accept the WebSocket only to close it at once, saying why."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code, "reason": reason})


async def forbid(receive: Receive, send: Send) -> None:
    """Close the WebSocket before accepting it: the client gets HTTP 403."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})
