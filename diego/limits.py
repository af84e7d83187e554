"""Limits on what a client may send, checked before anything reaches the bot."""

# ChatterBot's statement columns hold at most this many characters.
STATEMENT_MAX_LENGTH = 1100


class EmptyMessage(ValueError):
    def __init__(self):
        super().__init__("I'm listening: type something and I'll answer.")


class MessageTooLong(ValueError):
    def __init__(self, max_length: int):
        super().__init__(
            f"That message is too long for me: please keep it under {max_length:,} characters."
        )


def check_message(text: str, max_length: int) -> str:
    """Return the message stripped of surrounding blanks.

    Raises `EmptyMessage` or `MessageTooLong`, whose text is a polite reply for the client.
    """
    text = text.strip()
    if not text:
        raise EmptyMessage()
    if len(text) > max_length:
        raise MessageTooLong(max_length)
    return text
