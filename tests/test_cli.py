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
