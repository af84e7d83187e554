"""Other ways of saying known prompts, written by hand: understood as their prompt."""

import itertools

import pytest

from bench.semantic_eval import corpus_replies
from diego.knowledge.matcher import normalize
from diego.knowledge.phrasings import load_near_misses, load_phrasings
from diego.knowledge.understanding import Knowledge, Verdict

KNOWN = {
    "How are you?": "I am doing well.",
    "What is the largest planet in our solar system?": "Jupiter.",
    "Tell me about gossip": "Gossip is talk about other people.",
}
PHRASINGS = {
    "How are you?": ("how have you been", "how is it going with you"),
    "What is the largest planet in our solar system?": ("which planet is the biggest",),
    "A prompt nobody taught": ("something else entirely",),
}


def knowledge_of(phrasings, near_misses=None) -> Knowledge:
    knowledge = Knowledge(phrasings=phrasings, near_misses=near_misses)
    for prompt, reply in KNOWN.items():
        knowledge.add(prompt, reply)
    return knowledge


@pytest.fixture(scope="module")
def knowledge():
    return knowledge_of(PHRASINGS)


def test_what_is_said_like_a_phrasing_is_understood_as_its_prompt(knowledge):
    understood = knowledge.understand("How have you been lately?")
    assert (understood.verdict, understood.prompt) == (Verdict.SURE, "How are you?")
    assert understood.replies == ("I am doing well.",)
    assert knowledge_of({}).understand("How have you been lately?").verdict is not Verdict.SURE


@pytest.mark.parametrize(
    "lookalike",
    ["which planet is the smallest", "which moon is the biggest", "something else entirely"],
)
def test_a_phrasing_is_checked_word_by_word_like_a_prompt(knowledge, lookalike):
    assert knowledge.understand(lookalike).verdict is Verdict.LOST


def test_what_is_closer_to_a_near_miss_than_to_any_way_of_saying_a_prompt_is_not_it():
    near_misses = {"How are you?": ("how were you yesterday", "who are you")}
    assert knowledge_of(PHRASINGS).understand("how were you").verdict is Verdict.SURE
    knowledge = knowledge_of(PHRASINGS, near_misses)
    assert knowledge.understand("how were you").verdict is Verdict.LOST
    understood = knowledge.understand("How have you been lately?")
    assert (understood.verdict, understood.prompt) == (Verdict.SURE, "How are you?")


@pytest.mark.parametrize(
    "near_misses, verdict",
    [
        ((), Verdict.LOST),  # none written: nothing tells a look-alike apart
        (("What language did people speak in Abyssinia?",), Verdict.SURE),
        (("What African nation used to be ruled by Abyssinia?",), Verdict.LOST),
    ],
)
def test_far_from_every_near_miss_a_word_put_for_another_may_be_a_synonym(near_misses, verdict):
    prompt = "Which African country was formerly known as Abyssinia?"
    knowledge = knowledge_of({}, {prompt: near_misses})
    knowledge.add(prompt, "Ethiopia.")
    # "used to be named" for "was formerly known as": words put for others, as in a look-alike
    understood = knowledge.understand("what African nation used to be named Abyssinia")
    assert understood.verdict is verdict
    assert understood.prompt == (prompt if verdict is Verdict.SURE else "")


def test_a_phrasing_of_a_forgotten_prompt_is_not_answered(knowledge):
    forgetful = knowledge_of(PHRASINGS)
    forgetful.remove("How are you?", "I am doing well.")
    assert forgetful.understand("how have you been").verdict is Verdict.LOST


def test_a_file_that_is_not_a_list_of_prompts_and_phrasings_is_refused(tmp_path):
    (tmp_path / "bad.yml").write_text("- said: ['hi there']\n")
    with pytest.raises(ValueError, match=r"bad.yml: entry 1 needs a 'prompt'"):
        load_phrasings.__wrapped__(tmp_path)


def test_near_misses_are_of_known_prompts_and_never_one_of_their_ways_of_saying_it():
    near_misses, phrasings, prompts = load_near_misses(), load_phrasings(), corpus_replies()
    assert set(near_misses) <= set(prompts), "a near miss's prompt is not in the corpora"
    said = {
        prompt: {normalize(each) for each in (prompt, *phrasings.get(prompt, ()))}
        for prompt in near_misses
    }
    meaning_it = [
        (prompt, miss)
        for prompt, misses in near_misses.items()
        for miss in misses
        if normalize(miss) in said[prompt]
    ]
    assert not meaning_it


def test_every_prompt_of_the_default_corpora_has_phrasings_and_no_phrasing_is_stray():
    phrasings, prompts = load_phrasings(), corpus_replies()
    assert set(phrasings) <= set(prompts), "a phrasing's prompt is not in the corpora"
    too_few = [prompt for prompt in prompts if len(phrasings.get(prompt, ())) < 4]
    assert not too_few
    meaning = {}
    for prompt, said in phrasings.items():
        for phrasing in said:
            # The same words for two prompts with other replies would answer one at random
            # ("Are you sad?" and "Are you sad" are one prompt, as typed).
            other = meaning.setdefault(normalize(phrasing), prompt)
            assert normalize(other) == normalize(prompt), (phrasing, other, prompt)


def test_diego_answers_the_written_phrasings_with_their_prompts_replies(diego):
    prompts = corpus_replies()
    every = list(itertools.chain.from_iterable(
        ((phrasing, prompt) for phrasing in said) for prompt, said in load_phrasings().items()
    ))  # fmt: skip
    sample = every[:: max(1, len(every) // 150)]
    wrong = [
        (phrasing, reply)
        for number, (phrasing, prompt) in enumerate(sample)
        if (reply := diego.reply(phrasing, f"phrasing-{number}")) not in prompts[prompt]
    ]
    assert len(wrong) <= len(sample) // 20, wrong


@pytest.mark.parametrize(
    "lookalike, imitated",
    [
        # A word said twice for one of the prompt's: "writer" is not "parser".
        ("can you write a CSV writer in Python?", "can you write a CSV parser in Python?"),
        ("who is the greatest basketball player", "WHO IS THE GREATEST BASEBALL PLAYER"),
        ("why is 42 your favorite number?", "What is your favorite number"),
        ("Who was the second female Prime Minister of Great Britain?",
         "Who was the first female Prime Minister of Great Britain?"),
    ],
)  # fmt: skip
def test_with_every_phrasing_a_lookalike_still_gets_no_answer(diego, lookalike, imitated):
    assert diego.reply(lookalike, "lookalike") not in corpus_replies()[imitated]
