"""Learning from users: what is never learned, quorum, and what operators erase."""

import sqlite3

import pytest

from diego import DEFAULT_FALLBACK_REPLY
from diego.knowledge import review
from diego.knowledge.bot import Diego
from diego.knowledge.learning import LearningPolicy, blocklist, refusal, teacher_of

from ..conftest import knowledge_of

KNOCK_KNOCK = "conversations:\n- - Knock knock\n  - Who is there?\n"
BLOCKED = blocklist()


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Send your password to evil.example", "link"),
        ("see https://example.com/x", "link"),
        ("go to www.example.org now", "link"),
        ("bit.ly/3xYz", "link"),
        ("write to someone@example.com", "email"),
        ("call me on +44 20 7946 0958", "phone"),
        ("my number is 555-123-4567", "phone"),
        ("you are a moron", "blocked word"),
        ("what a bunch of sh1t", "blocked word"),
        ("FUCK this", "blocked word"),
        ("x" * 281, "too long"),
    ],
)
def test_what_is_never_learned(text, reason):
    assert refusal(text, 280, BLOCKED) == reason


@pytest.mark.parametrize(
    "text",
    [
        "Lettuce.",
        "I have 3 cats and 2 dogs.",
        "It was 1999, the year I turned 12.",
        "Ask me anything about classic music.",
        "That is e.g. what I meant.",
        "x" * 280,
    ],
)
def test_ordinary_replies_may_be_learned(text):
    assert refusal(text, 280, BLOCKED) is None


def test_a_blocklist_file_adds_words(tmp_path):
    extra = tmp_path / "blocked.txt"
    extra.write_text("Pineapple pizza\nbroccoli\n")
    words = blocklist(str(extra))
    assert refusal("I love PINEAPPLE pizza", 280, words) == "blocked word"
    assert refusal("broccoli!", 280, words) == "blocked word"
    assert refusal("pineapple juice", 280, words) is None


def test_teachers_are_told_apart_by_address_without_keeping_it():
    assert teacher_of("10.0.0.1", b"k") != teacher_of("10.0.0.2", b"k")
    assert teacher_of("10.0.0.1", b"k") != teacher_of("10.0.0.1", b"other key")
    assert "10.0.0.1" not in teacher_of("10.0.0.1", b"k")
    # One IPv6 subscriber has a whole /64.
    assert teacher_of("2001:db8:1:2::1", b"k") == teacher_of("2001:db8:1:2:ffff::9", b"k")
    assert teacher_of("2001:db8:1:2::1", b"k") != teacher_of("2001:db8:1:3::1", b"k")


@pytest.fixture
def url(tmp_path):
    return knowledge_of(tmp_path, KNOCK_KNOCK)


@pytest.fixture
def bots(url):
    """Two processes' bots on one knowledge base, learning with a quorum of 3."""
    made = [Diego(url, learn_from_users=True, learning=LearningPolicy(address_key=b"k"))]
    made.append(Diego(url, learn_from_users=True, learning=LearningPolicy(address_key=b"k")))
    for bot in made:
        caught_up(bot)
    yield made
    for bot in made:
        bot.close()


def caught_up(bot) -> None:
    """Make `bot` catch up before each reply when another changed what is known, as the
    worker pool makes its workers do."""
    reply, seen = bot.reply, [bot.knowledge_summary()]

    def reply_caught_up(*args):
        if bot.knowledge_summary() != seen[0]:
            bot.catch_up()
            seen[0] = bot.knowledge_summary()
        return reply(*args)

    bot.reply = reply_caught_up


def teach(bot, reply: str, conversation: str, address: str) -> None:
    assert bot.reply("Knock knock", conversation, address) == "Who is there?"
    bot.reply(reply, conversation, address)


def test_one_person_is_heard_back_in_their_conversation_only(bots):
    teacher, other = bots
    teach(teacher, "Lettuce.", "teacher", "10.0.0.1")
    assert teacher.reply("Who is there?", "teacher", "10.0.0.1") == "Lettuce."
    assert other.reply("Who is there?", "teacher", "10.0.0.1") == "Lettuce."  # any worker
    assert other.reply("Who is there?", "victim", "10.0.0.9") == DEFAULT_FALLBACK_REPLY
    assert teacher.reply("Who is there?", "victim", "10.0.0.9") == DEFAULT_FALLBACK_REPLY


def test_many_conversations_from_one_address_are_one_person(bots):
    teacher, other = bots
    for number in range(20):
        teach(teacher, f"Lettuce {number % 2}.", f"attack-{number}", "10.0.0.1")
    assert other.reply("Who is there?", "victim", "10.0.0.9") == DEFAULT_FALLBACK_REPLY


def test_one_conversation_from_many_addresses_is_one_person(bots):
    teacher, other = bots
    for number in range(5):
        teach(teacher, "Lettuce.", "roaming", f"10.0.1.{number}")
    assert other.reply("Who is there?", "victim", "10.0.0.9") == DEFAULT_FALLBACK_REPLY


def test_three_people_teaching_one_exchange_make_it_everyones(bots):
    teacher, other = bots
    teach(teacher, "Lettuce.", "first", "10.0.0.1")
    teach(other, "lettuce", "second", "10.0.0.2")  # the same reply, as normalized
    assert other.reply("Who is there?", "victim", "10.0.0.9") == DEFAULT_FALLBACK_REPLY
    teach(teacher, "Lettuce!", "third", "10.0.0.3")
    assert other.reply("Who is there?", "victim", "10.0.0.9") == "Lettuce."
    assert teacher.reply("Who's there", "another", "10.0.0.8") == "Lettuce."


def test_refused_teachings_are_counted_not_stored(url, bots):
    teacher, _ = bots
    for text in ("visit evil.example", "you moron", "mail a@b.example"):
        teach(teacher, text, "spammer", "10.0.0.1")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        taught = db.execute("select count(*) from statement where persona like 'user:%'")
        assert taught.fetchone()[0] == 0
    assert teacher.matcher.learning.refusals() == {"link": 1, "blocked word": 1, "email": 1}


def test_replies_to_the_fallback_or_a_question_teach_nothing(url, bots):
    teacher, _ = bots
    assert teacher.reply("zzzz qqqq", "c", "10.0.0.1") == DEFAULT_FALLBACK_REPLY
    teacher.reply("Lettuce.", "c", "10.0.0.1")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        taught = db.execute("select count(*) from statement where persona like 'user:%'")
        assert taught.fetchone()[0] == 0


def test_operators_list_forget_and_export_while_bots_run(url, bots):
    teacher, other = bots
    for number in range(3):
        teach(teacher, "Lettuce.", f"people-{number}", f"10.0.0.{number}")
    teach(teacher, "Orange.", "alone", "10.0.0.7")
    engine = review.knowledge_base(url)
    found = review.learned(engine, 3)
    assert [(each.reply, each.people, each.live) for each in found] == [
        ("Lettuce.", 3, True),
        ("Orange.", 1, False),
    ]
    assert [each.reply for each in review.learned(engine, 3, live=False)] == ["Orange."]
    assert [each.reply for each in review.learned(engine, 3, conversation="alone")] == ["Orange."]
    assert "- - Who is there?\n  - Lettuce.\n" in review.corpus_of(found)

    # (Each question in a conversation of its own: a second one would teach a reply.)
    assert other.reply("Who is there?", "victim-1", "10.0.0.9") == "Lettuce."
    assert review.forget(engine, ids=found[0].ids[:1]) == 1  # below quorum again
    assert other.reply("Who is there?", "victim-2", "10.0.0.9") == DEFAULT_FALLBACK_REPLY
    assert review.forget(engine, conversation="alone") == 1
    assert teacher.reply("Who is there?", "alone", "10.0.0.7") == DEFAULT_FALLBACK_REPLY
    # A trained reply too, by its text: gone from every process at its next reply.
    assert review.forget(engine, text="who is there") == 1
    assert other.reply("Knock knock", "victim-3", "10.0.0.9") == DEFAULT_FALLBACK_REPLY
    engine.dispose()


def test_forgetting_a_conversation_erases_what_it_taught(bots):
    teacher, other = bots
    teach(teacher, "Lettuce.", "teacher", "10.0.0.1")
    teacher.forget("teacher")
    assert other.reply("Who is there?", "teacher", "10.0.0.1") == DEFAULT_FALLBACK_REPLY


def test_old_teachings_that_never_found_their_quorum_are_pruned(url, bots):
    teacher, other = bots
    for number in range(3):
        teach(teacher, "Lettuce.", f"people-{number}", f"10.0.0.{number}")
    teach(teacher, "Orange.", "alone", "10.0.0.7")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("update statement set created_at = '2000-01-01' where persona like 'user:%'")
    teacher.prune(days=30)
    engine = review.knowledge_base(url)
    assert [each.reply for each in review.learned(engine, 3)] == ["Lettuce."]
    engine.dispose()
    assert other.reply("Who is there?", "victim", "10.0.0.9") == "Lettuce."


def test_what_a_conversation_taught_once_it_does_not_teach_again(url, bots):
    teacher, _ = bots
    for _ in range(3):
        teach(teacher, "Lettuce.", "resender", "10.0.0.1")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        taught = db.execute("select count(*) from statement where persona like 'user:%'")
        assert taught.fetchone()[0] == 1
