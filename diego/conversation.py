"""One client's conversation over an ASGI WebSocket: text in, Diego's reply out."""

import logging
import typing

from .limits import check_message

logger = logging.getLogger("diego")

Receive = typing.Callable[[], typing.Awaitable[dict]]
Send = typing.Callable[[dict], typing.Awaitable[None]]
Answer = typing.Callable[[str], typing.Awaitable[str]]

UNSUPPORTED_DATA = 1003
TEXT_ONLY = "Diego only understands text messages."
CANNOT_THINK = "Sorry, I can't think right now. Please try again in a moment."


async def converse(receive: Receive, send: Send, answer: Answer, *, max_message_length: int):
    """Accept the WebSocket, then answer each text message until the client leaves.

    Empty and over-long messages get a polite reply and the conversation goes on;
    a binary message closes the connection with 1003 and a reason.
    """
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is None:
            await send({"type": "websocket.close", "code": UNSUPPORTED_DATA, "reason": TEXT_ONLY})
            return
        reply = await _reply(message["text"], answer, max_message_length)
        try:
            await send({"type": "websocket.send", "text": reply})
        except OSError:
            # The client left while Diego was thinking (uvicorn's ClientDisconnected).
            return


async def _reply(text: str, answer: Answer, max_message_length: int) -> str:
    try:
        text = check_message(text, max_message_length)
    except ValueError as exc:
        return str(exc)
    try:
        return await answer(text)
    except Exception:
        logger.exception("Diego could not answer")
        return CANNOT_THINK
