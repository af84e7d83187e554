"""The matcher alone: normalization, and finding the closest known prompt."""

import pytest

from diego.knowledge.matcher import PromptIndex, normalize, without_fillers, word_agreement


@pytest.mark.parametrize(
    "typed, normalized",
    [
        ("How are you?", "how are you"),
        ("how r u", "how are you"),
        ("  HOW   ARE   YOU!!  ", "how are you"),
        ("I'm gonna go", "i am going to go"),
        ("Im gonna go", "i am going to go"),
        ("What\u2019s ur name, pls?", "what is your name please"),
        ("thx 2 u", "thanks to you"),
        ("?!...", ""),
    ],
)
def test_normalize_spells_out_what_people_type(typed, normalized):
    assert normalize(typed) == normalized


@pytest.mark.parametrize(
    "normalized, kept",
    [
        ("hey how are you", "how are you"),
        ("um so what is your name lol", "what is your name"),
        ("ok", "ok"),  # all filler: kept as it is
        ("how are you", "how are you"),
    ],
)
def test_fillers_at_either_end_are_dropped(normalized, kept):
    assert without_fillers(normalized) == kept


@pytest.fixture
def index():
    index = PromptIndex()
    index.add("How are you?", "I am doing well.")
    index.add("how are you", "Fine, thanks.")
    index.add("What is your name?", "My name is Diego.")
    index.add("What is your favorite color?", "Blue.")
    index.add("Do you like pizza?", "I love pizza.")
    index.add("Hello", "Hi")
    return index


def test_prompts_equal_once_normalized_share_their_replies(index):
    assert len(index) == 5
    assert index.best("HOW ARE YOU") == (["I am doing well.", "Fine, thanks."], 1.0)


@pytest.mark.parametrize(
    "typed, reply",
    [
        ("What is your name?", "My name is Diego."),
        ("whats ur name", "My name is Diego."),
        ("What is yuor nmae?", "My name is Diego."),
        ("hey diego, what is your name lol", "My name is Diego."),
        ("What your name?", "My name is Diego."),
        ("what is your favourite colour", "Blue."),
        ("do u like piza", "I love pizza."),
        ("helo", "Hi"),
    ],
)
def test_variants_find_their_prompt(index, typed, reply):
    replies, similarity = index.best(typed)
    assert replies == [reply]
    assert similarity >= 0.6


@pytest.mark.parametrize(
    "typed",
    ["How many calories are in a banana?", "qwzx vbnm plok", "Book me a flight to Oslo"],
)
def test_unknown_questions_score_low(index, typed):
    assert index.best(typed)[1] < 0.6


def test_an_empty_index_or_input_knows_nothing(index):
    assert PromptIndex().best("Hello") == ([], 0.0)
    assert index.best("?!") == ([], 0.0)


def test_word_agreement_allows_typos_but_not_other_words():
    assert word_agreement("what is your favorite color", "what is your favourite colour") == 1
    assert word_agreement("how many calories in a banana", "how many legs on a spider") < 0.5


def test_search_text_fits_the_statement_column_even_when_spelled_out():
    from diego.knowledge.matching import NormalizingTagger
    from diego.serving.limits import STATEMENT_MAX_LENGTH

    text = "u " * (STATEMENT_MAX_LENGTH // 2)  # "you you ...": longer once spelled out
    assert len(NormalizingTagger().get_text_index_string(text)) == STATEMENT_MAX_LENGTH
