"""The real Diego in-process: weak matches admitted, and each conversation's history kept."""

import pytest
import sqlalchemy

from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.bot import Diego
from diego.knowledge.sentence_encoder import SentenceEncoder

from ..conftest import copy_of
from ..test_server import corpus_replies, statement_count

NONSENSE = ["asdkjh qwe", "xyz", "Zzzz qqqq vvvv", "7 + banana = ?"]


@pytest.mark.parametrize("text", NONSENSE)
def test_a_weak_match_gets_the_fallback_reply_not_a_random_statement(diego, text):
    assert diego.reply(text, "weak") == DEFAULT_FALLBACK_REPLY


@pytest.mark.parametrize("prompt", ["Hello", "How are you?", "Are you a robot?"])
def test_a_known_prompt_still_gets_its_corpus_reply(diego, prompt):
    assert diego.reply(prompt, "known") in corpus_replies()[prompt]


def test_the_fallback_reply_is_configurable(trained_database):
    diego = Diego(trained_database, fallback_reply="Come again?")
    try:
        assert diego.reply(NONSENSE[0], "configured") == "Come again?"
    finally:
        diego.close()


def test_each_exchange_is_kept_in_its_own_conversation(diego):
    diego.reply("Hello", "alice")
    diego.reply("xyz", "bob")
    diego.reply("How are you?", "alice")
    alice = diego.recent_messages("alice", limit=10)
    assert [m["from"] for m in alice] == ["user", "diego", "user", "diego"]
    assert [alice[0]["text"], alice[2]["text"]] == ["Hello", "How are you?"]
    assert alice[1]["text"] in corpus_replies()["Hello"]
    assert diego.recent_messages("bob", limit=10) == [
        {"from": "user", "text": "xyz"},
        {"from": "diego", "text": DEFAULT_FALLBACK_REPLY},
    ]
    assert diego.recent_messages("nobody", limit=10) == []


def test_recent_messages_are_the_last_ones_oldest_first(diego):
    for number in range(5):
        diego.reply(f"message {number}", "long")
    recent = diego.recent_messages("long", limit=3)
    assert [m["text"] for m in recent] == [
        DEFAULT_FALLBACK_REPLY,
        "message 4",
        DEFAULT_FALLBACK_REPLY,
    ]


def test_read_only_diego_keeps_history_but_learns_nothing(tmp_path, trained_database):
    url = copy_of(trained_database, tmp_path)
    before = statement_count(url)
    diego = Diego(url)
    try:
        diego.reply("Teach you this", "reader")
        assert len(diego.recent_messages("reader", limit=10)) == 2
    finally:
        diego.close()
    assert statement_count(url) == before


def test_a_new_process_reads_the_prompts_vectors_instead_of_encoding_them(
    trained_database, monkeypatch
):
    encoded = []
    encode_all = SentenceEncoder.encode_all

    def counting(self, texts):
        encoded.extend(texts)
        return encode_all(self, texts)

    monkeypatch.setattr(SentenceEncoder, "encode_all", counting)
    diego = Diego(trained_database)
    try:
        assert len(diego.matcher.known) > 1000
    finally:
        diego.close()
    assert encoded == []


def statements_run_by(engine, action) -> list[str]:
    run = []

    def seen(connection, cursor, statement, *args):
        run.append(statement)

    sqlalchemy.event.listen(engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", seen)
    return run


@pytest.mark.parametrize("text", ["How are you?", "Knock knock", "Yes sir", "gibberish qwzx"])
def test_a_reply_reads_nothing_from_the_database(tmp_path, trained_database, text):
    # The server keeps the history itself (a `HistoryWriter`), and tells the workers
    # when to catch up: a reply neither reads nor writes.
    diego = Diego(copy_of(trained_database, tmp_path), keep_history=False)
    try:
        diego.reply("Hello", "c")
        assert statements_run_by(diego.chatbot.storage.engine, lambda: diego.reply(text, "c")) == []
    finally:
        diego.close()


def test_only_an_answer_to_a_clarifying_question_reads_the_question(tmp_path, trained_database):
    diego = Diego(copy_of(trained_database, tmp_path), keep_history=False)
    try:
        run = statements_run_by(diego.chatbot.storage.engine, lambda: diego.reply("yes", "c"))
        assert len(run) == 1 and run[0].lstrip().upper().startswith("SELECT")
    finally:
        diego.close()
