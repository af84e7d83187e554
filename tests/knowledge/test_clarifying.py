"""Between sure and lost, Diego asks "Did you mean ...?", and remembers what he asked."""

import pytest

from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge.bot import Diego
from diego.knowledge.matching import asked_about, clarifying_question

from ..conftest import copy_of, knowledge_of

CORPUS = """conversations:
- - What is the largest planet in our solar system?
  - Jupiter.
- - yes
  - You sound sure.
"""
UNSURE = "planets of the solar system"
QUESTION = 'Did you mean "What is the largest planet in our solar system?"?'


@pytest.fixture
def database(tmp_path):
    return knowledge_of(tmp_path, CORPUS)


@pytest.fixture
def diego(database):
    diego = Diego(database)
    yield diego
    diego.close()


@pytest.mark.parametrize("yes", ["yes", "Yep!", "y", "right", "exactly", "yes please", "yeah"])
def test_a_yes_gets_the_answer_to_the_prompt_asked_about(diego, yes):
    assert diego.reply(UNSURE, "c") == QUESTION
    assert diego.reply(yes, "c") == "Jupiter."


@pytest.mark.parametrize("no", ["no", "Nope", "nah", "not really", "no thanks"])
def test_a_no_gets_the_fallback(diego, no):
    assert diego.reply(UNSURE, "c") == QUESTION
    assert diego.reply(no, "c") == DEFAULT_FALLBACK_REPLY


def test_a_yes_without_a_question_is_an_ordinary_message(diego):
    assert diego.reply("yes", "c") == "You sound sure."


def test_the_question_belongs_to_its_conversation(diego):
    assert diego.reply(UNSURE, "asked") == QUESTION
    assert diego.reply("yes", "other") == "You sound sure."


def test_anything_else_after_the_question_is_answered_as_usual(diego):
    assert diego.reply(UNSURE, "c") == QUESTION
    assert diego.reply("What is the largest planet in our solar system?", "c") == "Jupiter."
    assert diego.reply("yes", "c") == "You sound sure."


def test_the_yes_may_reach_another_worker_or_a_restarted_server(database, tmp_path):
    first = Diego(database)
    assert first.reply(UNSURE, "c") == QUESTION
    first.close()
    restarted = Diego(database)  # another process, or the same server after a restart
    try:
        assert restarted.reply("yes", "c") == "Jupiter."
    finally:
        restarted.close()


def test_the_question_names_the_prompt_on_one_line():
    question = clarifying_question("What is\n  AI?")
    assert question == 'Did you mean "What is AI?"?'
    assert asked_about(question) == "What is AI?"
    assert asked_about("Jupiter.") is None


def test_on_the_whole_corpus_the_lookalikes_of_the_issue_get_no_confident_answer(
    trained_database, tmp_path
):
    diego = Diego(copy_of(trained_database, tmp_path))
    try:
        for lookalike in [
            "tell me about python",
            "Do you like pizza?",
            "How many wheels does a bicycle have?",
            "What is your favourite food?",
        ]:
            reply = diego.reply(lookalike, "c")
            assert reply == DEFAULT_FALLBACK_REPLY or asked_about(reply), (lookalike, reply)
    finally:
        diego.close()
