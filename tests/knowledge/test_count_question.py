"""Diego's answer to "how many people are you talking to?", and only to that."""

import pytest

from diego.knowledge.bot import Diego
from diego.knowledge.count_question import asks_client_count, describe_client_count

# The phrasings the issue names come first.
COUNT_QUESTIONS = [
    "How many people are you talking to?",
    "how many users are online",
    "r u talking to anyone else",
    "How many people are you talking to currently?",
    "HOW MANY PEOPLE ARE YOU TALKING TO",
    "how many ppl r u talking 2 rn",
    "Hey Diego, how many people are online right now?",
    "So, how many people are you talking to?",
    "ok but how many ppl are u chatting with",
    "How many other people are you talking to?",
    "how many people are you chatting with at the moment?",
    "How many people are talking to you right now?",
    "how many people is diego talking to",
    "how many people are here",
    "How many users are connected?",
    "how many clients are connected",
    "how many are online",
    "how many people r online atm",
    "How many people are in the chat?",
    "How many users do you have online?",
    "how many of us are here",
    "number of users online",
    "Are you talking to someone else?",
    "Are you talking to anybody else right now?",
    "u talking to anyone else?",
    "are you chatting with other people right now",
    "Is anyone else here?",
    "is anybody else online",
    "Are there other users online?",
    "who else is here",
    "Who else are you talking to?",
    "Am I the only one here?",
    "am i alone",
    "how many people are online?!",
    "How many people are you talking to\u2019 now",
]

# About people, talking or counting, but not about who is connected to Diego.
OTHER_QUESTIONS = [
    "How many people live in France?",
    "How many people are in the world?",
    "How many people are there in the world?",
    "how many people live here",
    "How many people died in the war?",
    "how many people speak english",
    "how many people are online in china",
    "how many users does facebook have",
    "How many people have you talked to?",
    "How many people are talking about climate change?",
    "how many people are you",
    "How many languages do you speak?",
    "How many legs does a spider have?",
    "Do people like you?",
    "Do you talk to other people?",
    "What do people say online?",
    "what are people talking about",
    "Are people here nice?",
    "Are you talking to me?",
    "Are you talking about me?",
    "I'm talking to you",
    "Is anyone else coming to the party?",
    "Where is everyone?",
    "I am alone",
    "are you online",
    "Who are you?",
    "How are you?",
    "hello",
]


@pytest.mark.parametrize("question", COUNT_QUESTIONS)
def test_count_questions_are_recognised(question):
    assert asks_client_count(question)


@pytest.mark.parametrize("question", OTHER_QUESTIONS)
def test_other_questions_are_not_captured(question):
    assert not asks_client_count(question)


@pytest.mark.parametrize(
    "count, answer",
    [
        (0, "Just you!"),
        (1, "Just you!"),
        (2, "2 people, including you."),
        (3, "3 people, including you."),
        (1234, "1,234 people, including you."),
    ],
)
def test_the_answer_counts_the_asker(count, answer):
    assert describe_client_count(count) == answer


@pytest.fixture(scope="module")
def counted(trained_database):
    """The real Diego, counting whatever `counted.clients` says."""
    clients = [1]
    diego = Diego(trained_database, count_clients=lambda: clients[0])
    diego.clients = clients
    yield diego
    diego.close()


def test_diego_answers_with_the_live_count(counted):
    for count, answer in [(1, "Just you!"), (3, "3 people, including you.")]:
        counted.clients[0] = count
        assert counted.reply("How many people are you talking to?", "c1") == answer


def test_a_question_about_people_gets_a_corpus_answer_not_the_count(counted):
    counted.clients[0] = 3
    for question in ["Hello", "How are you?", "How many people live in France?"]:
        assert "including you" not in counted.reply(question, "c2")


def test_without_a_count_source_diego_has_no_count_answer(trained_database):
    diego = Diego(trained_database)
    try:
        reply = diego.reply("How many people are you talking to?", "c3")
    finally:
        diego.close()
    assert reply != "Just you!" and "including you" not in reply
