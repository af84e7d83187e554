"""LOG_FORMAT=json: every line the server writes is one JSON object, and no user's words."""

import asyncio
import calendar
import datetime
import io
import json
import logging
import logging.config
import re
import socket
import time
import uuid

import pytest
import websockets

from diego.serving.log_format import JSONFormatter
from diego.serving.server import ClientFaultsOnOneLine, NoisyOncePerInterval, log_config
from settings import Settings, SettingsError

from ..live import LiveServer
from ..test_under_fire import handshake

REQUIRED_KEYS = {"time", "level", "logger", "message"}
ISO_UTC_MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def formatted(record: logging.LogRecord) -> dict:
    line = JSONFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def record(msg: str, *args, **attributes) -> logging.LogRecord:
    return logging.makeLogRecord(
        {"name": "diego", "levelno": logging.INFO, "levelname": "INFO", "msg": msg, "args": args}
        | attributes
    )


class Captured:
    """A logger writing through one handler as the server's: JSON, and its filters."""

    def __init__(self):
        self.stream = io.StringIO()
        handler = logging.StreamHandler(self.stream)
        handler.setFormatter(JSONFormatter())
        self.noisy = NoisyOncePerInterval()
        handler.addFilter(ClientFaultsOnOneLine())
        handler.addFilter(self.noisy)
        self.logger = logging.getLogger(f"test.log_format.{uuid.uuid4().hex}")
        self.logger.propagate = False
        self.logger.addHandler(handler)

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


def test_a_record_has_time_in_utc_with_milliseconds_level_logger_and_message():
    created = calendar.timegm((2025, 3, 4, 5, 6, 7)) + 0.089
    ready = record("Diego is ready on %s:%d", "127.0.0.1", 8000, created=created, msecs=89.0)
    line = formatted(ready)
    assert line == {
        "time": "2025-03-04T05:06:07.089Z",
        "level": "INFO",
        "logger": "diego",
        "message": "Diego is ready on 127.0.0.1:8000",
    }


def test_the_time_is_now_in_utc():
    line = formatted(record("now"))
    assert ISO_UTC_MILLISECONDS.match(line["time"])
    written = datetime.datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert abs(written.timestamp() - time.time()) < 5


def test_extra_fields_are_kept_beside_the_required_ones_and_cannot_replace_them():
    captured = Captured()
    captured.logger.warning(
        "Worker %d stopped",
        41,
        extra={"pid": 41, "client": "10.0.0.1:5000", "close_code": 1008, "level": "fake"},
    )
    [line] = captured.lines
    assert line["pid"] == 41 and line["client"] == "10.0.0.1:5000" and line["close_code"] == 1008
    assert line["level"] == "WARNING" and line["message"] == "Worker 41 stopped"


def test_an_extra_value_json_cannot_write_is_written_as_text():
    when = datetime.date(2025, 1, 2)
    assert formatted(record("x", since=when))["since"] == "2025-01-02"


def test_a_message_that_is_not_a_string_is_written_as_its_text():
    assert formatted(record({"a": 1}))["message"] == "{'a': 1}"


def test_an_exception_is_an_error_field_and_a_traceback_on_the_same_line():
    captured = Captured()
    try:
        raise ValueError("the database is down\nand a second line")
    except ValueError:
        captured.logger.exception("Could not answer")
    assert captured.stream.getvalue().count("\n") == 1
    [line] = captured.lines
    assert line["message"] == "Could not answer" and line["level"] == "ERROR"
    assert line["error"] == "ValueError: the database is down"
    assert line["traceback"].startswith("Traceback (most recent call last):")
    assert "and a second line" in line["traceback"]


def test_unicode_survives_and_line_breaks_of_any_kind_stay_inside_the_line():
    text = "h\u00e9llo \U0001f600 \u202eevil \u2028 next \x1b[2J \n end"
    line = JSONFormatter().format(record("%s", text, where="M\u00fcnchen"))
    assert line.isascii() and len(line.splitlines()) == 1
    assert json.loads(line)["message"] == text and json.loads(line)["where"] == "M\u00fcnchen"


def test_uvicorn_request_lines_name_the_client_and_drop_the_coloured_copy():
    access = formatted(
        record(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5555",
            "GET",
            "/health",
            "1.1",
            200,
            name="uvicorn.access",
        )
    )
    assert access["client"] == "127.0.0.1:5555" and access["status"] == 200
    assert (access["method"], access["path"]) == ("GET", "/health")
    refused = formatted(record('%s - "WebSocket %s" 403', "10.1.2.3:4000", "/conversation"))
    assert refused["client"] == "10.1.2.3:4000" and refused["path"] == "/conversation"
    started = formatted(record("Started server process [%d]", 123, color_message="\x1b[36m"))
    assert started["pid"] == 123 and "color_message" not in started


def test_noisy_lines_are_logged_once_per_interval_with_a_count_field():
    captured = Captured()
    for _ in range(3):
        captured.logger.warning("Invalid HTTP request received.")
    captured.noisy.reports["Invalid HTTP request received."].interval = 0
    captured.logger.warning("Invalid HTTP request received.")
    first, later = captured.lines
    assert first["count"] == 1 and later["count"] == 3
    assert later["message"] == "3 invalid HTTP request(s) received (answered 400)"


def test_a_clients_protocol_error_has_no_traceback():
    captured = Captured()
    try:
        b"\xff".decode()
    except UnicodeDecodeError:
        captured.logger.exception("Invalid UTF-8 sequence received from client.")
    [line] = captured.lines
    assert "error" not in line and "traceback" not in line


def test_log_config_keeps_text_by_default_and_switches_both_formatters_for_json():
    text = log_config()
    assert text == log_config("text")
    assert text["formatters"]["default"]["()"] == "uvicorn.logging.DefaultFormatter"
    json_config = log_config("json")
    assert {f["()"] for f in json_config["formatters"].values()} == {
        "diego.serving.log_format.JSONFormatter"
    }
    assert json_config["handlers"] == text["handlers"]  # the same filters on the same streams
    with pytest.raises(ValueError, match="Unsupported log format: 'xml'"):
        log_config("xml")


def test_log_format_setting_is_text_json_or_a_clear_error():
    assert Settings.from_environ({}).log_format == "text"
    assert Settings.from_environ({"LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(SettingsError, match="LOG_FORMAT must be text or json, got 'bogus'"):
        Settings.from_environ({"LOG_FORMAT": "bogus"})


def test_a_json_server_writes_only_json_lines_and_never_what_users_said(trained_database):
    secret = f"my secret is {uuid.uuid4().hex}"

    async def chat(url: str) -> str:
        async with websockets.connect(url) as ws:
            await ws.send(secret)
            return await ws.recv()

    with LiveServer(trained_database, env={"LOG_FORMAT": "json"}) as server:
        sock, status_line = handshake(server.port, Origin="http://evil.example")
        sock.close()
        assert status_line.split(" ")[1] == "403"
        assert asyncio.run(chat(server.ws_url))
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            sock.recv(4096)  # uvicorn answers 400, and warns
        assert server.wait_for_count(0) == 0
        assert server.stop() == 0

    lines = [json.loads(line) for line in server.lines]
    assert all(REQUIRED_KEYS <= line.keys() for line in lines), server.log
    assert all(ISO_UTC_MILLISECONDS.match(line["time"]) for line in lines)
    assert any(line["message"].startswith("Diego is ready: chat at ws://") for line in lines)
    refused = [line for line in lines if line["message"].endswith('"WebSocket /conversation" 403')]
    assert refused and refused[0]["client"].startswith("127.0.0.1:")
    assert any(line.get("count") == 1 and "invalid HTTP" in line["message"] for line in lines)
    assert secret.split()[-1] not in server.log
    assert "Traceback" not in server.log
