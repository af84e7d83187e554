"""Training: each corpus file learned once, bad files refused before anything is written."""

import pytest

from diego.knowledge.bot import Diego
from diego.knowledge.training import CorpusError, read_corpus, train

CORPUS = """\
categories:
- travel
conversations:
- - Where do you live?
  - In a database, mostly.
- - Do you like trains?
  - yes
  - Why?
"""


@pytest.fixture
def diego(tmp_path):
    bot = Diego(f"sqlite:///{tmp_path / 'knowledge.sqlite3'}")
    yield bot
    bot.close()


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "travel.yml"
    path.write_text(CORPUS)
    return path


def test_training_the_same_file_twice_adds_nothing(diego, corpus_file):
    assert train(diego, [str(corpus_file)]) == 5
    assert train(diego, [str(corpus_file)]) == 0
    assert diego.chatbot.storage.count() == 5


def test_trained_statements_answer_and_keep_their_conversation_order(diego, corpus_file):
    train(diego, [str(corpus_file)])
    assert diego.reply("Where do you live?", "c1") == "In a database, mostly."


def test_scalars_stay_text(corpus_file):
    corpus = read_corpus(str(corpus_file))
    assert corpus.conversations[1][1] == "yes"
    assert corpus.categories == ["travel"]


def test_changed_file_is_learned_again(diego, corpus_file):
    train(diego, [str(corpus_file)])
    corpus_file.write_text(CORPUS + "- - Bye\n  - See you\n")
    assert train(diego, [str(corpus_file)]) == 7


def test_bundled_corpus_names_are_understood(diego):
    assert train(diego, ["chatterbot.corpus.english.greetings"]) > 0


def test_bad_yaml_names_the_file_and_line_and_changes_nothing(diego, corpus_file, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("conversations:\n- - Hi\n  - [unclosed\n")
    with pytest.raises(CorpusError, match=r"bad\.yml: line \d+: not valid YAML"):
        train(diego, [str(corpus_file), str(bad)])
    assert diego.chatbot.storage.count() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        ("- just a list\n", "needs a 'conversations:' list"),
        ("conversations:\n- Hello\n", "line 2: no conversation to learn"),
        ("conversations:\n- - Hello\n  - - nested\n", "conversation 1 must be a list"),
        ("conversations:\n- - ''\n", "empty or longer than 1100"),
        (f"conversations:\n- - {'a' * 1101}\n", "empty or longer than 1100"),
    ],
)
def test_corpus_of_the_wrong_shape_is_refused(tmp_path, content, message):
    path = tmp_path / "shape.yml"
    path.write_text(content)
    with pytest.raises(CorpusError, match=message):
        read_corpus(str(path))


def test_missing_corpus_is_named(diego, tmp_path):
    with pytest.raises(CorpusError, match="nowhere.yml: no such corpus"):
        train(diego, [str(tmp_path / "nowhere.yml")])


def test_a_statement_outside_any_conversation_is_skipped_with_its_line(tmp_path):
    path = tmp_path / "slip.yml"
    path.write_text("conversations:\n- - Hi\n  - Hello\n- Lonely statement\n- - Bye\n  - Ciao\n")
    corpus = read_corpus(str(path))
    assert corpus.conversations == [["Hi", "Hello"], ["Bye", "Ciao"]]
    assert corpus.skipped == (f"{path}: line 4: skipped a statement that is not in a conversation",)
