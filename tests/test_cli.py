"""`python -m diego train`: corpus files learned once, bad files refused with their line."""

import pytest

from diego.__main__ import main

SMALL_CORPUS = """\
categories:
- coffee
conversations:
- - Do you like coffee?
  - I love the smell of coffee.
"""


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'knowledge.sqlite3'}"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "coffee.yml"
    path.write_text(SMALL_CORPUS)
    return str(path)


def train(*args):
    return main(["train", *args])


def test_training_a_file_twice_learns_it_once(database, corpus, capsys):
    assert train(corpus, "--database-url", database) == 0
    assert "Learned 2 new statements; Diego now knows 2." in capsys.readouterr().out
    assert train(corpus, "--database-url", database) == 0
    assert "Learned 0 new statements; Diego now knows 2." in capsys.readouterr().out


def test_default_is_the_corpora_the_server_starts_with(database, capsys):
    assert train("--database-url", database) == 0
    # The whole English corpus (less one entry of trivia.yml that is not a conversation)
    # and Diego's own five conversations about himself.
    assert "Diego now knows 4341." in capsys.readouterr().out


def test_reset_starts_from_an_empty_knowledge_base(database, corpus, capsys):
    train("--database-url", database)
    assert train(corpus, "--reset", "--database-url", database) == 0
    assert "Learned 2 new statements; Diego now knows 2." in capsys.readouterr().out


def test_bad_file_names_file_and_line_and_changes_nothing(database, corpus, tmp_path, capsys):
    train(corpus, "--database-url", database)
    bad = tmp_path / "bad.yml"
    bad.write_text("conversations:\n- - Hi\n  - [oops\n")
    assert train(str(bad), "--reset", "--database-url", database) == 1
    err = capsys.readouterr().err
    assert f"diego: {bad}: line 4: not valid YAML" in err
    assert "the knowledge base is as it was" in err
    assert train(corpus, "--database-url", database) == 0
    assert "Diego now knows 2." in capsys.readouterr().out


def test_reset_relearns_files_it_had_already_learned(database, corpus, capsys):
    train(corpus, "--database-url", database)
    assert train(corpus, "--reset", "--database-url", database) == 0
    assert "Learned 2 new statements; Diego now knows 2." in capsys.readouterr().out


@pytest.fixture
def taught(database, tmp_path):
    """A knowledge base where three people taught one reply and one person another."""
    from diego.knowledge.bot import Diego
    from diego.knowledge.learning import LearningPolicy

    corpus = tmp_path / "knock.yml"
    corpus.write_text("conversations:\n- - Knock knock\n  - Who is there?\n")
    assert train(str(corpus), "--database-url", database) == 0
    diego = Diego(database, learn_from_users=True, learning=LearningPolicy(address_key=b"k"))
    for number, reply in enumerate(["Lettuce.", "Lettuce.", "Lettuce.", "Orange."]):
        diego.reply("Knock knock", f"conversation-{number}", f"10.0.0.{number}")
        diego.reply(reply, f"conversation-{number}", f"10.0.0.{number}")
    diego.reply("Knock knock", "spammer", "10.0.0.9")
    diego.reply("read evil.example", "spammer", "10.0.0.9")
    diego.close()
    return database


def test_learned_lists_each_exchange_with_its_people_and_state(taught, capsys):
    assert main(["learned", "--database-url", taught]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("3/3 people  live  'Who is there?' -> 'Lettuce.'")
    assert out[1].endswith("1/3 people  waiting  'Who is there?' -> 'Orange.'")
    assert out[2] == (
        "2 exchange(s) learned (1 live, 1 waiting for more people); 1 teaching(s) refused (link 1)."
    )
    assert main(["learned", "--pending", "--text", "orange", "--database-url", taught]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "'Orange.'" in out[0]


def test_export_writes_a_corpus_that_train_learns(taught, tmp_path, capsys):
    exported = tmp_path / "learned.yml"
    assert main(["export", "--live", "-o", str(exported), "--database-url", taught]) == 0
    assert "Wrote 1 exchange(s)" in capsys.readouterr().out
    assert "- - Who is there?\n  - Lettuce.\n" in exported.read_text()
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert train(str(exported), "--database-url", fresh) == 0
    assert "Learned 2 new statements" in capsys.readouterr().out


def test_forget_erases_by_id_text_or_conversation(taught, capsys):
    assert main(["learned", "--pending", "--database-url", taught]) == 0
    orange_id = capsys.readouterr().out.split()[0]
    assert main(["forget", orange_id, "--database-url", taught]) == 0
    assert capsys.readouterr().out == "Forgot 1 statement(s).\n"
    assert main(["forget", "--text", "LETTUCE", "--database-url", taught]) == 0
    assert capsys.readouterr().out == "Forgot 3 statement(s).\n"
    assert main(["learned", "--database-url", taught]) == 0
    assert capsys.readouterr().out.startswith("0 exchange(s) learned")
    assert main(["forget", "--database-url", taught]) == 1
    assert "forget what?" in capsys.readouterr().err
