"""The REPL client, driven through main(argv) with stdin and stdout replaced."""

import io
import json
import stat

import pytest

import client as repl

from .test_server import corpus_replies


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    """Sessions are kept under a temporary XDG_STATE_HOME, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def typed(monkeypatch):
    def type_lines(*lines):
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))

    return type_lines


def test_each_line_gets_a_reply_and_ctrl_d_leaves_cleanly(server, typed, capsys):
    typed("Hello", "How are you?")
    assert repl.main([server.ws_url]) == 0
    out = capsys.readouterr().out
    # Prompt, reply, prompt, reply, prompt, then a newline on end of input.
    lines = out.split("\n")
    assert lines[0].startswith("> ") and lines[1].startswith("> ")
    assert lines[0][2:] in corpus_replies()["Hello"]
    assert lines[1][2:] in corpus_replies()["How are you?"]
    assert lines[2] == "> " and lines[3] == ""
    assert server.wait_for_count(0) == 0


def test_the_next_run_continues_the_conversation_and_new_starts_afresh(
    server, typed, capsys, state_home
):
    typed("Hello")
    assert repl.main([server.ws_url]) == 0
    first = capsys.readouterr().out
    assert "Continuing" not in first
    session_file = state_home / "diego" / "sessions.json"
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600

    typed("How are you?")
    assert repl.main([server.ws_url]) == 0
    second = capsys.readouterr().out.split("\n")
    assert (
        second[0] == "Continuing your conversation (2 earlier messages; --new starts a fresh one)."
    )
    assert second[1] == "> Hello" and second[2] in corpus_replies()["Hello"]
    assert second[3][2:] in corpus_replies()["How are you?"]

    typed("Hello")
    assert repl.main(["--new", server.ws_url]) == 0
    assert "Continuing" not in capsys.readouterr().out
    typed("Hello")
    assert repl.main([server.ws_url]) == 0
    assert "(2 earlier messages;" in capsys.readouterr().out  # the new one, not the first


def test_forget_erases_the_conversation_on_the_server_and_starts_a_new_one(server, typed, capsys):
    typed("Hello", "How are you?")
    assert repl.main([server.ws_url]) == 0
    capsys.readouterr()

    typed("Hello")
    assert repl.main(["--forget", server.ws_url]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[0] == "Forgot our conversation (4 messages erased); starting a new one."
    assert "Continuing" not in "\n".join(out)

    typed()
    assert repl.main([server.ws_url]) == 0
    assert "(2 earlier messages;" in capsys.readouterr().out  # only what came after


def test_an_unreadable_session_file_means_a_fresh_conversation(server, typed, capsys, tmp_path):
    session_file = tmp_path / "sessions.json"
    session_file.write_text("{not json")
    typed("Hello")
    assert repl.main(["--session-file", str(session_file), server.ws_url]) == 0
    assert capsys.readouterr().out.split("\n")[0][2:] in corpus_replies()["Hello"]
    assert json.loads(session_file.read_text())  # replaced by a good one


def test_server_not_running_gives_one_clear_sentence(typed, capsys):
    typed("Hello")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    assert repl.main([f"ws://127.0.0.1:{free_port}/conversation"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"Cannot reach Diego at ws://127.0.0.1:{free_port}/conversation: "
        "connection refused. Is the server running?\n"
    )


def test_not_a_websocket_url_is_refused(capsys):
    assert repl.main(["http://127.0.0.1:8000/"]) == 2
    assert "is not a WebSocket URL" in capsys.readouterr().err


def test_server_closing_the_conversation_is_reported(server, typed, capsys):
    typed("x" * 70_000)  # over the server's frame limit: closed with 1009
    assert repl.main([server.ws_url]) == 1
    assert "Diego closed the conversation" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain words", "plain words"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("bell\x07", "bell\\x07"),
        ("\u202eevil", "\\u202eevil"),
        ("two\nlines", "two\nlines"),
        ("café ☕", "café ☕"),
    ],
)
def test_control_characters_in_replies_are_escaped(text, shown):
    assert repl.printable(text) == shown
