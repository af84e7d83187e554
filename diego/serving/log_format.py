"""Log lines as JSON, one object per line, for a log collector to read (LOG_FORMAT=json)."""

import json
import logging
import time
import traceback

from .conversation import one_line

LOG_FORMATS = ("text", "json")
# What every LogRecord has: anything else on a record came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# uvicorn repeats its message with terminal colours in this extra: never wanted here.
_DROPPED = {"color_message"}
# uvicorn's lines about a request, its arguments named, so that the client is a field.
_UVICORN_FIELDS = {
    '%s - "%s %s HTTP/%s" %d': ("client", "method", "path", "http_version", "status"),
    '%s - "WebSocket %s" [accepted]': ("client", "path"),
    '%s - "WebSocket %s" 403': ("client", "path"),
    '%s - "WebSocket %s" %d': ("client", "path", "status"),
    "Started server process [%d]": ("pid",),
    "Finished server process [%d]": ("pid",),
}


class JSONFormatter(logging.Formatter):
    """A record as one line of JSON: `time` (ISO 8601, UTC, milliseconds), `level`,
    `logger`, `message`, the fields given with `extra=`, and for an exception `error`
    (its type and first line) and `traceback`."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        names = _UVICORN_FIELDS.get(record.msg) if isinstance(record.msg, str) else None
        if names and isinstance(record.args, tuple) and len(names) == len(record.args):
            fields.update(zip(names, record.args, strict=True))
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRIBUTES and name not in _DROPPED:
                fields.setdefault(name, value)
        if record.exc_info and record.exc_info[1] is not None:
            fields["error"] = one_line(record.exc_info[1])
            fields["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        if record.stack_info:
            fields["stack"] = record.stack_info
        # Escaped, a line break anywhere (a traceback, U+2028 in a message) stays inside
        # the one line; and ASCII cannot fail to encode, whatever the terminal's locale.
        return json.dumps(fields, default=str)
