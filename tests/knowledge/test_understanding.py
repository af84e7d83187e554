"""Diego understands people who type like people: the eval set, on a slice, and learning."""

import collections
import json

from bench import semantic_eval
from bench.eval_cases import PATH, load_cases, make_cases
from bench.semantic_eval import HALVES
from diego.knowledge.bot import Diego
from diego.knowledge.learning import LearningPolicy
from diego.knowledge.training import train

from ..conftest import copy_of

SLICE = 7  # every 7th case: about 1,000 of the 7,400, a few seconds


def test_the_committed_eval_set_is_what_the_seeded_script_makes():
    committed = [json.loads(line) for line in PATH.read_text().splitlines()]
    assert committed == make_cases()


def test_understanding_on_a_slice_of_the_eval(diego):
    right, seen = collections.Counter(), collections.Counter()
    wrong = []
    for case in load_cases()[::SLICE]:
        reply = diego.reply(case["text"], "eval")
        seen[case["kind"]] += 1
        if reply in case["replies"]:
            right[case["kind"]] += 1
        else:
            wrong.append((case["kind"], case["text"], reply))
    assert sum(right.values()) / sum(seen.values()) >= 0.99, wrong
    for kind in seen:
        assert right[kind] / seen[kind] >= 0.97, (kind, wrong)


def test_a_statement_trained_by_another_process_is_answered_once_caught_up(
    tmp_path, trained_database
):
    url = copy_of(trained_database, tmp_path)
    running = Diego(url)
    corpus = tmp_path / "new.yml"
    corpus.write_text("conversations:\n- - Who painted the Zebra Sunrise?\n  - Ada Okafor did.\n")
    try:
        assert running.reply("Who painted the Zebra Sunrise?", "c") != "Ada Okafor did."
        summary = running.knowledge_summary()
        trainer = Diego(url)  # another connection, as `python -m diego train` would be
        train(trainer, [str(corpus)])
        trainer.close()
        # What the server polls for, and then has its workers catch up.
        assert running.knowledge_summary() != summary
        running.catch_up()
        assert running.reply("who painted the zebra sunrise", "c") == "Ada Okafor did."
    finally:
        running.close()


def test_with_learning_on_what_users_say_becomes_answerable(tmp_path):
    corpus = tmp_path / "seed.yml"
    corpus.write_text("conversations:\n- - Tell me about quokkas\n  - Quokkas smile a lot.\n")
    url = f"sqlite:///{tmp_path / 'learning.sqlite3'}"
    # One teacher is enough here; tests/knowledge/test_learning.py tests the quorum.
    learning = LearningPolicy(quorum=1)
    diego = Diego(url, learn_from_users=True, learning=learning)
    other_process = Diego(url, learn_from_users=True, learning=learning)
    try:
        train(diego, [str(corpus)])
        assert diego.reply("Tell me about quokkas", "teacher") == "Quokkas smile a lot."
        # Said after Diego's reply, so learned as a reply to it.
        diego.reply("They live on Rottnest Island.", "teacher")
        # It says so, and the server has its other workers catch up.
        assert diego.news() == {"learned": 1, "knowledge_changed": 1}
        assert not diego.news()
        other_process.catch_up()
        assert other_process.reply("Quokkas smile a lot.", "student") == (
            "They live on Rottnest Island."
        )
    finally:
        diego.close()
        other_process.close()


def test_the_semantic_eval_names_only_corpus_prompts_and_has_each_kind_in_both_halves():
    cases = semantic_eval.load_cases()
    halves = collections.Counter((case["kind"], case["half"]) for case in cases)
    assert len(cases) >= 340
    assert all(halves[kind, half] >= 20 for kind in semantic_eval.KINDS for half in HALVES)
    assert all(case["replies"] for case in cases if case["kind"] == "reworded")


def test_meaning_on_a_slice_of_the_semantic_eval(diego):
    outcomes = collections.defaultdict(collections.Counter)
    for number, case in enumerate(semantic_eval.load_cases()[::3]):
        reply = diego.reply(case["text"], f"semantic-{number}")
        outcomes[case["kind"]][semantic_eval.outcome(case, reply)] += 1
    share = {kind: {o: n / sum(c.values()) for o, n in c.items()} for kind, c in outcomes.items()}
    wrong = sum(c["wrong"] for c in outcomes.values()) / sum(
        sum(c.values()) for c in outcomes.values()
    )
    # Loosely, below what the benchmark measures on the whole eval, so as not to be flaky.
    assert share["unknown"].get("fallback", 0) >= 0.95, share
    assert share["lookalike"].get("fallback", 0) + share["lookalike"].get("right", 0) >= 0.8
    assert share["reworded"].get("right", 0) >= 0.7, share
    assert wrong <= 0.05, share
