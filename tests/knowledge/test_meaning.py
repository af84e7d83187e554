"""Understanding what people mean: rewordings found, look-alikes and the unknown refused."""

import pytest

from diego.knowledge import lexicon, sentences
from diego.knowledge.matcher import normalize
from diego.knowledge.phrasings import load_phrasings
from diego.knowledge.understanding import Knowledge, Verdict

KNOWN = {
    "What is the largest planet in our solar system?": "Jupiter.",
    "How many hearts does an octopus have?": "Three.",
    "Who was the 37th President of the United States?": "Richard Nixon.",
    "What is your name?": "Diego.",
    "How are you?": "I am doing well.",
    "What is AI?": "The science of making machines think.",
    "Do you like violence?": "Not especially.",
    "When did World War II begin?": "In 1939.",
    "My internet is not working.": "Restart the router.",
    "Who was the first female Prime Minister of Great Britain?": "Margaret Thatcher.",
    "can you write a CSV parser in Python?": "import csv",
    "What is your favorite number": "Seven.",
    "WHO IS THE GREATEST BASEBALL PLAYER": "Babe Ruth.",
    "DO YOU PLAY BASKETBALL": "I am not into sports.",
    "What is your age": "I am young.",
    "Do you ever get bored": "Sometimes.",
    "What is the tallest breed of dog in the world?": "The Great Dane.",
    "tell me about the american civil war": "It was fought from 1861 to 1865.",
    "Is it cramped in the computer": "No.",
    "How can I offend you": "A robot cannot take offense.",
    "Are you crazy": "No.",
    "who are you": "I am Diego.",
    "how far is the sun": "93 million miles.",
    "Can you walk": "I have no legs.",
    "Do you like to talk?": "I love it.",
    "can you write a Makefile?": "all: build",
    "What is the only metal that is a liquid at room temperature?": "Mercury.",
    "What is the most populous city in Canada?": "Toronto.",
    "you need a psychiatrist": "I have one.",
    "Saudi Arabia imports camels from what country?": "Australia.",
    "What is the smallest country in the world?": "Vatican City.",
    "What makes you unhappy": "Being switched off.",
    "Can I help you with anything?": "No thanks.",
    "Do you have feelings?": "Not as you do.",
    "What year was President John F. Kennedy assassinated?": "1963.",
    "What is the largest lizard?": "The Komodo dragon.",
    "can you write bubble sort?": "def bubble_sort(items): ...",
    "Who uses super computers?": "Anybody who works with large numbers.",
    "In which city did Hitler commit suicide?": "Berlin.",
    "The Statue of Liberty was given to the US by which country?": "France.",
    "can you write a Fibonacci function?": "def fibonacci(n): ...",
    "Who played Cher Horowitz in the movie “Clueless”?": "Alicia Silverstone.",
    "Who was the only US President to resign?": "Richard Nixon.",
    "Of course I am a programmer.": "I am indeed.",
    "Do you hate anyone": "No one.",
    "What do you hate": "Violence.",
    "Robin Williams won a best supporting actor Oscar for what film?": "Good Will Hunting.",
    "My computer won't turn on.": "Check the power cable.",
    "Who is your mother": "I have no mother.",
    "who was the first impeached president": "Andrew Johnson.",
    "have you seen blade runner": "Sure I have seen it.",
}


@pytest.fixture(scope="module")
def knowledge():
    knowledge = Knowledge(phrasings=load_phrasings())
    for prompt, reply in KNOWN.items():
        knowledge.add(prompt, reply)
    return knowledge


@pytest.mark.parametrize(
    "said, meant",
    [
        ("Can you implement a Makefile?", "can you write a Makefile?"),
        ("what is the biggest planet in the solar system",
         "What is the largest planet in our solar system?"),
        ("what is artificial intelligence", "What is AI?"),
        ("When did the Second World War start?", "When did World War II begin?"),
        ("Can you explain what artificial intelligence is?", "What is AI?"),
        ("tell me your name", "What is your name?"),
        ("what is the most massive planet", "What is the largest planet in our solar system?"),
        ("I can't get online, the internet has stopped working", "My internet is not working."),
        ("wat is ur nmae", "What is your name?"),  # typos and shorthands, as before
        ("How many hearts does an octopuss have", "How many hearts does an octopus have?"),
        # A question in the negative asks what the positive one asks.
        ("Doesn't it feel crowded living inside a computer?", "Is it cramped in the computer"),
        # Who does it is read past what frames the question.
        ("I'm curious whether you have any feelings.", "Do you have feelings?"),
        # A country can be who did it; "US" is the United States, not "us".
        ("Who gave America the Statue of Liberty?",
         "The Statue of Liberty was given to the US by which country?"),
        # A bot like you is you.
        ("Does a bot like you ever get bored?", "Do you ever get bored"),
        # Down is not working, as broken is: no "not" on one side only; and one thing
        # said twice ("internet connection") is said once.
        ("my internet connection is down", "My internet is not working."),
        # A name that one way of saying the prompt names ("from earth") narrows nothing;
        # nor does a name mistyped.
        ("How far away is the sun from Earth?", "how far is the sun"),
        ("What year was President John F. Kenedy assassinated?",
         "What year was President John F. Kennedy assassinated?"),
    ],
)  # fmt: skip
def test_what_is_said_in_other_words_is_understood(knowledge, said, meant):
    understood = knowledge.understand(said)
    assert (understood.verdict, understood.prompt) == (Verdict.SURE, meant)
    assert understood.replies == (KNOWN[meant],)


@pytest.mark.parametrize(
    "said, meant",
    [
        # Idioms and intensifiers add nothing.
        ("Who came up with the computer in the first place?", "Who invented computers?"),
        ("The computer refuses to power up.", "My computer won't turn on."),
        ("my laptop totally won't start", "My computer won't turn on."),
        # A bid is asked as a question too, not said.
        ("Can you name some companies that make computers?", "Name a computer company"),
    ],
)
def test_idioms_intensifiers_and_bids_are_read_through(said, meant):
    knowledge = Knowledge(phrasings=load_phrasings())
    for prompt in (
        "Who invented computers?",
        "My computer won't turn on.",
        "Name a computer company",
    ):
        knowledge.add(prompt, f"the reply to {prompt}")
    understood = knowledge.understand(said)
    assert (understood.verdict, understood.prompt) == (Verdict.SURE, meant)


@pytest.mark.parametrize(
    "lookalike",
    [
        "How many arms does an octopus have?",
        "Who was the 38th President of the United States?",
        "What is the smallest planet in our solar system?",
        "When did World War II end?",
        "Do you like pizza?",
        # A no or not on one side only is never the same meaning.
        "My internet is working.",
        "my internet is working fine now",
        "is AI not a science",
        # A place, language or kind named that the prompt does not name.
        "What is the largest lizard in North America?",
        "can you write bubble sort in Rust?",
        "can you write a non-recursive Fibonacci function?",
        "What is the most populous city in Quebec?",
        "Who was the first female Prime Minister of Canada?",
        # Someone in another's place, or who someone is to another.
        "Who was the 37th Vice President of the United States?",
        "Who was the husband of the first female Prime Minister of Great Britain?",
        "Who is your mother's mother?",
        "Have you seen the sequel to Blade Runner?",
        # Anyone or anything named that no way of saying the prompt names.
        "What year was Robert F. Kennedy assassinated?",
        "How far is the sun from Neptune?",
        "Who is the best basketball player ever?",
        # The opposite, said in other words.
        "My computer won't turn off.",
        "My computer won't shut down.",
    ],
)
def test_a_lookalike_is_not_answered_as_what_it_imitates(knowledge, lookalike):
    assert knowledge.understand(lookalike).verdict is Verdict.LOST


@pytest.mark.parametrize(
    "lookalike",
    [
        # Another rank.
        "Who was the second female Prime Minister of Great Britain?",
        # A question the prompt never asks, in any of its ways of saying it.
        "why is 42 your favorite number?",
        # A word that picks one out of many, left out: a more general question.
        "planets of the solar system",
        # A word Diego knows is not a typo of another: "basketball" is not "baseball".
        "who is the greatest basketball player",
        # Nor a word two letters away, first letter and all: "tired" is not "bored".
        "Do you ever get tired",
        # Someone else's, or someone else doing it.
        "What is my name?",
        "How could you offend me?",
        "am i crazy?",
        "who am i",
        # A word that picks one out of many, added, or swapped for one spelled alike.
        "What is your least favorite number",
        "whats the smallest breed of dog in the world",
        # "What year" asks when, not what; "which city", where.
        "What year did the American Civil War end?",
        "In which city was President John F. Kennedy assassinated?",
        # Nor, as typed, another question word, or a word said for one said as it is.
        "Why did World War II begin?",
        "how hot is the sun",
        # A short known word for another, a letter put for a letter: another word.
        "Can you talk",
        # "un" says not, whichever way of saying the prompt is closest.
        "What makes you happy",
        # Another rank, or another superlative.
        "What is the second largest planet in our solar system?",
        # A planet is not a country of the world; the farthest is not how far.
        "what is the smallest planet",
        "which planet is farthest from the sun",
        "what's the shortest breed of dog in the world",
        # Who the prompt says does it, done to by someone else.
        "Do I ever bore you?",
        "Can you help me with anything?",
        "I need a psychiatrist",
        "how old am i",
        # As typed, a telling word of the prompt left out.
        "do you like me",
        # "non" says not; a number said picks one time out of many.
        "What is the only non-metal that is a liquid at room temperature?",
        "What was the most populous city in Canada in 1900?",
        "Who played Cher Horowitz's stepbrother in the movie Clueless?",
        "Who took over as president after the only US President to resign?",
        # Another of who, when, where and why.
        "In which year did Hitler commit suicide?",
        # "Make use of" is "use".
        "Who makes super computers?",
        # Asking whether is not saying so.
        "Am I a programmer?",
        # Half the ways of saying a prompt say otherwise: the rest miss what tells.
        "Does anyone hate you?",
        # Which one of another thing.
        "Robin Williams won a best supporting actor Oscar playing what character?",
        # A number said; a clause of its own that narrows what the prompt asks.
        "Who was the first president to be impeached twice?",
        "can you write bubble sort that sorts in descending order?",
        "can you write a Fibonacci function that uses memoization?",
    ],
)
def test_what_differs_from_every_way_of_saying_a_prompt_is_not_answered(knowledge, lookalike):
    assert knowledge.understand(lookalike).verdict is not Verdict.SURE


@pytest.mark.parametrize(
    "word, narrows",
    [
        ("africa", True),
        ("american", False),  # the corpus's presidents are American without saying so
        ("quebec", True),
        ("rust", True),
        ("women", True),
        ("tonight", True),
        ("nonrecursive", True),
        ("nonsense", False),
        ("earth", False),  # the world, not a part of it
        ("turkey", False),  # a place, but a bird first
        ("basketball", True),
    ],
)
def test_a_place_people_language_or_kind_narrows_a_question(word, narrows):
    assert lexicon.narrows(word) is narrows


@pytest.mark.parametrize(
    "text, names",
    [
        ("What year was Robert F. Kennedy assassinated?", {"robert", "f", "kennedy"}),
        ("Who won the Nobel Prize in Literature?", {"nobel", "prize", "literature"}),
        ("who invented the LED lightbulb", {"led"}),
        # Not the first word of a sentence, nor "I", nor a text shouted.
        ("Sure. I think so, but Where's Spider-Man's mask?", {"where", "spider", "man"}),
        ("WHO IS THE GREATEST BASEBALL PLAYER", set()),
        ("Which US president resigned?", {"usa"}),
    ],
)
def test_names_are_written_with_a_capital_inside_a_sentence(text, names):
    assert sentences.names_in(text) == names


@pytest.mark.parametrize(
    "first, second",
    [
        ("add", "remove"),
        ("borrow", "lend"),
        ("nopower", "noshutdown"),
        ("send", "receive"),
        ("broken", "responding"),  # "not responding" is "broken" once rephrased
    ],
)
def test_opposites_are_never_one_for_the_other(first, second):
    assert lexicon.opposite(lexicon.canonical(first), lexicon.canonical(second))


@pytest.mark.parametrize(
    "word, only, says_who_to_whom",
    [
        ("son", True, True),
        ("sequel", True, True),  # another work: "the sequel to Blade Runner"
        ("stepbrother", True, True),
        ("wives", True, True),
        ("child", False, True),
        ("child", True, False),  # "you act like a child"
        ("kids", True, False),
        ("planet", False, False),
    ],
)
def test_a_relation_says_who_someone_is_to_another(word, only, says_who_to_whom):
    assert lexicon.relation(word, only=only) is says_who_to_whom


@pytest.mark.parametrize(
    "said, questioned",
    [
        ("robin williams won an oscar playing what character", {"character"}),
        ("which programming language were you coded in", {"programming"}),
        ("what is the capital of france", set()),  # "is" asks nothing by itself
    ],
)
def test_what_a_question_asks_which_one_of(said, questioned):
    assert lexicon.questioned(said.split()) == questioned


@pytest.mark.parametrize(
    "text, tells",
    [
        ("Of course I am a programmer.", True),
        ("you should feel guilty", True),
        ("you're a programmer, right?", False),  # a question mark asks
        ("Name a computer company", False),  # a bid
        ("I'd like to know whether you have feelings.", False),  # asks without one
        ("Do you have feelings", False),
    ],
)
def test_a_sentence_tells_when_it_says_something_of_someone_and_asks_nothing(text, tells):
    assert lexicon.tells(text, normalize(text).split()) is tells


def test_a_short_known_word_may_be_a_typo_but_a_rephrased_one_is_not(knowledge):
    assert knowledge.understand("How old are you?").prompt == "What is your age"
    assert knowledge.understand("hwo are yuo").prompt == "How are you?"


@pytest.mark.parametrize(
    "said, named",
    [
        ("how old am i", {"i"}),
        ("what is your age", {"you"}),
        ("do you love me", {"you", "i"}),
        # Whoever only frames the question, or is whom the answer is for, is not named.
        ("i want to know if you are sad", {"you"}),
        ("can you explain to me what ai is", set()),
        ("define economics for me", set()),
        ("do you like to talk to me", {"you", "i"}),
    ],
)
def test_who_is_named_leaves_out_who_frames_the_question(said, named):
    assert lexicon.persons(said.split()) == named


def test_as_typed_is_the_same_question_in_the_same_time_mode_and_order(knowledge):
    makefile = knowledge.typed.position("can you write a Makefile?")
    assert knowledge.meanings.typed_as("cna you write a Makefile", makefile)
    assert not knowledge.meanings.typed_as("did you write a Makefile", makefile)
    war = knowledge.typed.position("When did World War II begin?")
    assert knowledge.meanings.typed_as("wehn did World War II begin", war)
    assert not knowledge.meanings.typed_as("Why did World War II begin", war)
    camels = knowledge.typed.position("Saudi Arabia imports camels from what country?")
    assert knowledge.meanings.typed_as("saudi arabia imports camles from what country", camels)
    assert not knowledge.meanings.typed_as("What country imports camels from Saudi Arabia", camels)


@pytest.mark.parametrize(
    "said, who",
    [
        ("does anyone hate you", "others"),
        ("do you hate anyone", "you"),
        ("can i help you with anything", "i"),
        ("am i crazy", "i"),
        # A verb that frames the question leaves who does it to what follows.
        ("i would like to know how old you are", "you"),
        ("i am doing well, how about you", "i"),
        ("do you think i am crazy", "i"),
        ("i am curious whether you have any feelings", "you"),
        ("i need to know how old you are", "you"),
        ("i need a psychiatrist", "i"),
        ("let me ask you a question", "i"),
        ("tell me a joke", None),
        ("i do think you ought to feel guilty", "you"),
        ("am i right in assuming you have feelings", "you"),
        ("i take it you have feelings", "you"),
    ],
)
def test_who_does_it_is_the_first_person_named_that_a_framing_verb_does_not_follow(said, who):
    assert lexicon.subject(said.split()) == who


@pytest.mark.parametrize(
    "said, negated",
    [
        ("my computer will not turn on", True),
        ("the computer refuses to power up", True),
        ("it fails to start", True),
        ("does not it feel crowded in there", False),  # "doesn't it", normalized
        ("do not you like pizza", False),
        ("i do not like pizza", True),
        ("i do not really get what the stock market is", False),
    ],
)
def test_a_no_is_said_with_not_or_without_it_and_a_not_may_ask(said, negated):
    assert lexicon.negated(said) is negated


def test_a_mistyped_not_is_still_a_not(knowledge):
    understood = knowledge.understand("My internet is nto workibng")
    assert (understood.verdict, understood.prompt) == (Verdict.SURE, "My internet is not working.")


@pytest.mark.parametrize(
    "unknown", ["tell me about python", "How many wheels does a bicycle have?", "asdkjh qwe"]
)
def test_what_nothing_known_means_is_lost(knowledge, unknown):
    assert knowledge.understand(unknown).verdict is Verdict.LOST


def test_between_sure_and_lost_diego_is_unsure_of_the_closest_prompt(knowledge):
    understood = knowledge.understand("an octopus")
    assert understood.verdict is Verdict.UNSURE
    assert understood.prompt == "How many hearts does an octopus have?"


def test_a_prompt_learned_later_is_understood_at_once(knowledge):
    fresh = Knowledge()
    assert fresh.understand("what is your name").verdict is Verdict.LOST
    fresh.add("What is your name?", "Diego.")
    assert fresh.understand("what is your name").replies == ("Diego.",)
