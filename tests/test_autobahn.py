"""The Autobahn WebSocket test cases (run by kosoku, no Docker) against Diego's server stack.

The echo route lives in tests/autobahn_app.py only; the stack and uvicorn settings are
production's. Every case passes, or is one of the known deviations below, each for a reason.
"""

import asyncio
import fnmatch
import sys

import pytest

from .live import FIRST_START_TIMEOUT, LiveServer

kosoku = pytest.importorskip("kosoku")

ECHO_PATH = "/autobahn-echo"  # tests/autobahn_app.py's; not imported: it changes the app
PASSING = {"OK", "NON-STRICT", "INFORMATIONAL"}
# case pattern: (behaviour, why)
DEVIATIONS = {
    # Messages over MAX_FRAME_SIZE (64 KiB by default) are refused with 1009, by design;
    # with the limit raised, every 9.* case passes (test below).
    "9.*": ("FAILED", "message larger than MAX_FRAME_SIZE: closed with 1009"),
    # permessage-deflate is off: chat messages are short, and each connection's
    # compressor would cost about 30 KiB.
    "12.*": ("UNIMPLEMENTED", "permessage-deflate is off"),
    "13.*": ("UNIMPLEMENTED", "permessage-deflate is off"),
    # The websockets library (uvicorn's protocol) answers a close frame that interrupts
    # a fragmented message with 1002 "incomplete fragmented message" instead of 1000.
    "7.1.5": ("FAILED", "close during a fragmented message: websockets answers 1002"),
}


def run_cases(env=None, cases=None):
    command = [sys.executable, "-m", "tests.autobahn_app"]
    # (A database in memory: every start trains and encodes every phrasing.)
    with LiveServer(
        "sqlite://", env=env, command=command, ready_timeout=FIRST_START_TIMEOUT
    ) as server:
        url = f"ws://127.0.0.1:{server.port}{ECHO_PATH}"
        try:
            results = asyncio.run(kosoku.run_fuzzingclient(url, cases=cases, concurrency=4))
        except kosoku.FailureError as failure:
            results = failure.results
    assert "Traceback" not in server.log
    return results


def deviation_of(case_id: str):
    return next((d for pattern, d in DEVIATIONS.items() if fnmatch.fnmatch(case_id, pattern)), None)


def test_every_case_passes_or_is_a_known_deviation():
    results = run_cases()
    assert len(results) > 500
    unexplained = []
    for result in results:
        behaviour = result.behavior.value
        if behaviour in PASSING and result.behavior_close.value in PASSING:
            continue
        deviation = deviation_of(result.case_id)
        if deviation is None or deviation[0] != behaviour:
            unexplained.append((result.case_id, behaviour, result.behavior_close.value))
        elif result.case_id.startswith("9.") and result.remote_close_code != 1009:
            unexplained.append((result.case_id, behaviour, result.remote_close_code))
    assert unexplained == []


def test_large_messages_pass_when_the_frame_limit_allows_them():
    results = run_cases(env={"MAX_FRAME_SIZE": str(16 * 1024 * 1024)}, cases=["9.*"])
    assert {result.behavior.value for result in results} == {"OK"}
