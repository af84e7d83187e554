"""What words weigh when Diego compares two sentences' meanings, and which mean the same.

Hand-written for English chat: general words and phrasings, nothing copied from a corpus.
"""

import re
from collections.abc import Sequence

# Words that carry no meaning of their own in a question.
FUNCTION_WORDS = frozenset(
    """a an the is are am was were be been being do does did done to of in on at for with from
    by and or but that this these those it its i me my mine myself you your yours yourself we
    us our he him his she her they them their there here what who whom whose how why when
    where which as if so than then too not no nor also any some all each every such own same
    will would shall should can could may might must have has had having get got into onto
    out up down over about just very really actually exactly currently lately recently
    honestly basically anyway even ever still quite pretty rather truly one ones something
    anything thing things stuff bit little please kindly now today right ok okay oh well hey
    totally completely entirely utterly absolutely literally seriously anymore
    hi hello yes yeah yep sure way lot lots much many more most""".split()
)

# Words that say when, or whether it can or will be: "did you write this Makefile?" is not
# "can you write a Makefile?".
MODES = (
    dict.fromkeys("do does have has".split(), "now")
    | dict.fromkeys("did was were had".split(), "then")
    | dict.fromkeys("can could will would shall should may might must".split(), "may")
)

# Words that frame a question rather than say what it is about ("can you tell me ...").
FRAME_WORDS = frozenset(
    """tell know knows knew wonder wondering want wanted wanna like would love curious idea
    explain describe say said ask asking question questions mean means meaning let give
    share talk talking speak chat happen happens happened think thought believe guess
    anybody anyone someone somebody information info details definition define""".split()
)
FRAME_WEIGHT = 0.25

# Each line: words that mean the same in a chat; the first stands for all.
SYNONYMS = """
big large huge biggest largest bigger larger enormous giant
small tiny smallest tiniest smaller
begin start started began begun beginning starting commence
end finish ended finished ending
make made create created build built develop developed program programmed design designed
favourite favorite fav fave preferred
movie movies film films flick
book books novel novels
song songs music tune
car cars automobile vehicle
computer computers pc laptop laptops notebook machine
job work occupation profession career
money cash
buy purchase
smart intelligent clever bright
stupid dumb idiot silly
happy glad cheerful joyful
sad unhappy depressed
angry mad furious annoyed
funny hilarious humorous
joke jokes gag
scared afraid frightened
kill murder
die died death dead
born birth
old age aged
live lives living reside
home house
name called
friend friends buddy pal mate
hate dislike despise
like enjoy love
eat eating ate food
drink drinking drank
sleep sleeping asleep
fast quick quickly rapid
problem problems issue issues trouble
fix repair solve
broken broke busted
slow sluggish laggy
error errors bug bugs
help assist assistance support
won win winner
invent invented inventor
wrote write written writer author implement implemented
country nation
president presidents
capital
people persons humans
human person
robot robots bot bots chatbot
ai artificial intelligence
world earth globe
second ii 2nd
third iii 3rd
usa america united states american
uk britain british england
tall tallest taller high highest
top best greatest finest
original first earliest
release released launch launched
famous popular known
type kind sort breed
mean means meaning definition define
screen display monitor
internet wifi network connection online
webcam camera cam
forget forgot forgotten
password passcode
sound audio
hot overheating overheat heat heating
flicker flickering flickers blinking blink
boring bored dull tedious
gun guns firearm firearms weapon weapons
fan fans
cost price rate rates charge fee fees
drunk intoxicated tipsy
gossip rumor rumors rumours
javascript js
child children kid kids
mother mom mum
father dad
""".strip().splitlines()

# Each line: words of opposite meaning, never taken one for the other.
OPPOSITES = """
big small
long short
high low
hot cold
warm cool
first last
begin end
early late
old young
old new
best worst
good bad
most least
more less
north south
east west
before after
up down
in out
on off
win lose
like hate
like dislike
happy sad
male female
man woman
boy girl
husband wife
father mother
son daughter
king queen
light dark
light heavy
fast slow
rich poor
open close
buy sell
give take
push pull
true false
inside outside
top bottom
front back
left right
day night
summer winter
dead alive
broken working
broken responding
broken functioning
add remove
enable disable
install uninstall
import export
upload download
send receive
borrow lend
increase decrease
remember forget
accept reject
include exclude
create delete
agree disagree
connect disconnect
appear disappear
nopower noshutdown
""".strip().splitlines()

# Whole phrasings that say the same as a shorter one; matched on normalized text.
PHRASES = [
    (
        r"\b(?:(?:has |have |had )?(?:stopped|stop) (?:working|responding)|(?:is |are )?not "
        r"(?:working|responding|doing anything)|(?:does|do|did|will|would) not (?:work|respond)"
        r"|(?:is |are )?(?:broken|busted)|(?:is|are|went|goes) down)\b",
        "broken",
    ),
    (
        r"\b(?:(?:will|would|does|do|did) not|(?:refuses|refused|fails|failed) to) "
        r"(?:turn|switch|power|boot|start)(?: up| on)?\b(?! off)",
        "nopower",
    ),
    (
        r"\b(?:(?:will|would|does|do|did) not|(?:refuses|refused|fails|failed) to) "
        r"(?:turn|switch|power|shut) (?:off|down)\b",
        "noshutdown",
    ),
    (r"\bhow old\b", "age"),
    (
        r"\bhow (?:have you been|is it going|are things|are you doing|do you do|are you feeling"
        r"|do you feel|is life)\b",
        "how are you",
    ),
    (r"\bwhat is up\b|\bsup\b|\bwhats up\b|\bwassup\b", "how are you"),
    (r"\bwhat do you know about\b|\btell me about\b|\btell me what\b", "what is"),
    (r"\bhow (?:would|do|can|could|should) (?:you|i|we|one) (?:define|describe)\b", "what is"),
    (r"\bwhat do you (?:like|enjoy|love) (?:most|best)\b", "favorite"),
    (r"\bfunny story\b", "joke"),
    (r"\bmake me laugh\b", "tell joke"),
    (r"\bhow come\b", "why"),
    (r"\b(?:what|which) (?:year|date|day|month|century|decade)\b", "when"),
    (r"\b(?:what|which) (?:city|town|country|state|continent|place|location)\b", "where"),
    (r"\bthank you\b", "thanks"),
    (r"\b(?:make|makes|made|making) use of\b", "use"),
    (r"\bthis (?:ro)?bot\b|\bthis chatbot\b", "you"),  # "Who built this bot?"
    (r"\bshow(?:s|ing)? off\b", "bragging"),
    (r"\bfull of (?:yourself|himself|herself|themselves|myself)\b", "arrogant"),
    (r"\bin the first place\b|\bfirst of all\b", ""),  # "Who came up with it in the first place?"
    # "Does a bot like you ever get bored?" asks if you do.
    (r"\b(?:an? )?(?:ro)?bots? (?:like|such as) (you|me|myself|yourself)\b", r"\1"),
    (r"\bnon ([a-z])", r"non\1"),  # "non-human" is "nonhuman"
    (r"\bgood bye\b|\bgoodbye\b|\bsee you later\b|\bsee you\b|\bbye bye\b", "bye"),
]
_PHRASES = [(re.compile(pattern), replacement) for pattern, replacement in PHRASES]


def _groups() -> dict[str, str]:
    canonical = {}
    for line in SYNONYMS:
        words = line.split()
        for word in words:
            if word in canonical or word in FUNCTION_WORDS:
                raise ValueError(f"{word!r} is a function word or in two synonym lines")
            canonical[word] = words[0]
    return canonical


CANONICAL = _groups()


def _opposites() -> set[tuple[str, str]]:
    pairs = set()
    for line in OPPOSITES:
        first, second = (canonical(word) for word in line.split())
        pairs |= {(first, second), (second, first)}
    return pairs


def rephrase(normalized: str) -> str:
    """`normalized` with phrasings that say the same spelled as one."""
    for pattern, replacement in _PHRASES:
        normalized = pattern.sub(replacement, normalized)
    return normalized


def stem(word: str) -> str:
    """A crude English stem: plural and verb endings off ("planets" -> "planet")."""
    if len(word) > 4:
        if word.endswith("ies"):
            return word[:-3] + "y"
        for ending in ("ing", "ed", "es", "s"):
            if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= 3:
                return word[: -len(ending)]
    return word


def canonical(word: str) -> str:
    """The word that stands for `word` and its synonyms, stemmed."""
    found = CANONICAL.get(word)
    if found is not None:
        return found
    stemmed = stem(word)
    return CANONICAL.get(stemmed, stemmed)


def weight_class(word: str) -> float:
    """How much `word` says by itself: 0 for function words, a little for framing."""
    if word in FUNCTION_WORDS:
        return 0.0
    if word in FRAME_WORDS:
        return FRAME_WEIGHT
    return 1.0


OPPOSITE_PAIRS = _opposites()
POSSESSIVES = frozenset({"my", "your"})
# Who does what: the first of these words says who, unless a verb that frames the
# question follows it ("I would like to know...", "do you think I am...") or it is
# whom a clause is about ("is there anyone you hate", "anyone you hate?": who you hate).
PERSONS = {"i": "i", "you": "you"} | dict.fromkeys(
    "anyone anybody someone somebody everyone everybody people".split(), "others"
)
PERSONS_NAMED = PERSONS | {
    "me": "i",
    "my": "i",
    "mine": "i",
    "myself": "i",
    "your": "you",
    "yours": "you",
    "yourself": "you",
}
FRAMING_VERBS = frozenset(
    """would want wanna wonder wondering was think know reckon believe guess
    suppose assume gather imagine mind remember tell hope bet heard just really explain
    define describe show give""".split()
)
# After these, "me" is whom the answer is for: "explain to me what an OS is".
# ("Talk to me" names me; "explain to me", "tell me" and "for me" do not.)
FOR_ME = frozenset("tell explain show give define describe teach remind".split())
FRAMING_PHRASES = frozenset(
    {"am curious", "am wondering", "am interested", "need to know", "take it", "right in"}
)
# Between a person and a verb that frames: "I do think you ought to feel guilty".
_STRESSING = frozenset("do did honestly truly".split())


def modes(words: list[str]) -> set[str]:
    """When `words` (normalized) say it is, or that it may be: "now", "then", "may"."""
    return {MODES[word] for word in words if word in MODES}


def persons(words: list[str]) -> set[str]:
    """Who `words` (normalized) name, but for one who only frames the question ("I want
    to know if you are sad" is about you): "i", "you", "others"."""
    return {
        PERSONS_NAMED[word]
        for index, word in enumerate(words)
        if word in PERSONS_NAMED
        and not _frames(words, index)
        and not (word == "me" and _for_me(words[:index]))
    }


def _for_me(before: list[str]) -> bool:
    """True if "me" after `before` is whom an answer is for: "tell me", "explain to me",
    "define economics for me"."""
    if before[-1:] == ["for"]:
        return True
    if before[-1:] == ["to"]:
        before = before[:-1]
    return bool(before) and before[-1] in FOR_ME


def subject(words: list[str]) -> str | None:
    """Who `words` (normalized) say does something: "i", "you", "others" or None."""
    for index, word in enumerate(words):
        if words[index - 1 : index] == ["let"] and word in ("me", "us"):
            return "i"  # "let me ask you": I ask
        following = words[index + 1] if index + 1 < len(words) else ""
        if (
            word in PERSONS
            and following not in PERSONS
            and not _frames(words, index)
            and words[index - 1 : index] != ["there"]
        ):
            return PERSONS[word]
    return None


def _frames(words: list[str], index: int) -> bool:
    """True if the person at `index` only frames the question: "I would like to know",
    "do you think", "I am curious whether"."""
    after = words[index + 1 : index + 5]
    if after[:1] and after[0] in _STRESSING:
        after = after[1:]
    after = after[:3]
    return bool(after) and (
        after[0] in FRAMING_VERBS
        or " ".join(after[:2]) in FRAMING_PHRASES
        or " ".join(after) in FRAMING_PHRASES
    )


# With the words that say "not" without it: "it refuses to start" is "it will not start".
NEGATIONS = frozenset(
    """not no never nothing nobody none neither nor without refuse refuses refused unable
    fails failed""".split()
)


def opposite(first_key: str, second_key: str) -> bool:
    """True if two canonical words mean the opposite of each other, or are two
    different ranks or counts ("second" is not "first", nor "three" "four")."""
    return (
        (first_key, second_key) in OPPOSITE_PAIRS
        or (
            # "unhappy", "nonmetal": "un" and "non" say not.
            second_key in (f"un{first_key}", f"non{first_key}")
            or first_key in (f"un{second_key}", f"non{second_key}")
        )
        or (
            first_key != second_key
            and (
                (first_key in RANKS and second_key in RANKS)
                or (first_key in COUNTS and second_key in COUNTS)
            )
        )
    )


RANKS = frozenset(
    canonical(word)
    for word in "first second third fourth fifth sixth seventh eighth ninth tenth last".split()
)
COUNTS = frozenset("one two three four five six seven eight nine ten twelve hundred".split())
# Words that start a clause that narrows what it follows: "...a cron job that runs every
# hour", "...a language for building websites".
CLAUSE_WORDS = frozenset("that which who for in with without from using when where while".split())
# Said and not in a prompt, a number asks of one case of what it asks: "impeached twice".
# ("One" rarely counts: "which one is better", "got a funny one?".)
NUMBERS = frozenset({*COUNTS, "twice", "thrice", "dozen", "thousand", "million"} - {"one"})
# Words ending in "est" that do not pick one out of many.
_NOT_SUPERLATIVES = frozenset(
    "interest forest request contest suggest honest modest protest harvest invest arrest "
    "digest manifest conquest earnest everest midwest tempest".split()
)


_PICKING = frozenset(
    "most least best worst first last second third fourth fifth sixth seventh eighth ninth "
    "tenth".split()
)


def qualifies(word: str) -> bool:
    """True if `word` picks one out of many ("largest", "most", "first"): a question
    without it asks something else."""
    return word in _PICKING or (
        len(word) >= 6 and word.endswith("est") and word not in _NOT_SUPERLATIVES
    )


# Who someone is to someone else, or in another's place: "Who is Godzilla's son?" is not
# "Who is Godzilla?", nor "the 37th vice president" "the 37th president"; and what a work
# is to another: "the sequel to Blade Runner" is not "Blade Runner".
RELATIONS = frozenset(
    """vice deputy assistant former acting mother father mom dad mum parent son daughter
    child children kid brother sister sibling husband wife wives spouse aunt uncle nephew
    niece cousin grandfather grandmother grandson granddaughter grandparent boyfriend
    girlfriend fiance widow baby babies successor predecessor after before sequel prequel
    remake reboot spinoff""".split()
)


# Relations that also say what someone is like: "you act like a child".
_ALSO_KINDS = frozenset("child children kid baby babies".split())


def relation(word: str, only: bool = False) -> bool:
    """True if `word` says who someone is to someone ("son", "wives"), or what a work is
    to another ("sequel"); if `only`, and cannot say what someone is like ("child")."""
    word = word.removeprefix("step")  # "stepbrother"
    if only and (word in _ALSO_KINDS or word.removesuffix("s") in _ALSO_KINDS):
        return False
    return word in RELATIONS or word.removesuffix("s") in RELATIONS


# Names that narrow a question to one part of many: a place, its people, a language, a
# computer's system, one sex, a day. "What is the largest lizard in North America?" is not "What
# is the largest lizard?", nor "can you write bubble sort in Rust?" "can you write bubble
# sort?". (Names that are also common words are left out: "turkey", "china", "go", "c";
# and "American": the corpus asks of American presidents without saying so.)
NARROWING_NAMES = frozenset(
    """africa antarctica asia australia europe america americas oceania arctic caribbean
    scandinavia balkans siberia sahara mediterranean african asian australian european
    afghanistan albania algeria angola argentina armenia austria azerbaijan bahamas
    bangladesh belarus belgium bolivia bosnia botswana brazil bulgaria cambodia cameroon
    canada chile colombia congo croatia cuba cyprus czechia czech denmark ecuador egypt
    england estonia ethiopia fiji finland france germany ghana greece greenland guatemala
    haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica
    japan kazakhstan kenya korea kuwait laos latvia lebanon libya lithuania luxembourg
    madagascar malaysia mali malta mexico monaco mongolia morocco mozambique myanmar burma
    namibia nepal netherlands holland nicaragua niger nigeria norway pakistan panama
    paraguay peru philippines poland portugal qatar romania russia rwanda saudi arabia
    scotland senegal serbia singapore slovakia slovenia somalia spain sudan sweden
    switzerland syria taiwan tanzania thailand tunisia uganda ukraine uruguay uzbekistan
    venezuela vietnam wales yemen zambia zimbabwe britain uk
    afghan algerian argentinian argentine austrian belgian bolivian brazilian british
    bulgarian canadian chilean chinese colombian cuban danish dutch egyptian english
    ethiopian finnish french german greek hungarian icelandic indian indonesian iranian
    iraqi irish israeli italian jamaican japanese kenyan korean mexican moroccan
    nigerian norwegian pakistani peruvian polish portuguese romanian russian
    scottish spanish swedish swiss syrian thai turkish ukrainian vietnamese welsh
    alabama alaska arizona arkansas california colorado connecticut delaware florida
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland
    massachusetts michigan minnesota mississippi missouri montana nebraska nevada
    hampshire york carolina dakota ohio oklahoma oregon pennsylvania
    rhode tennessee texas utah vermont virginia wisconsin wyoming
    ontario quebec alberta manitoba saskatchewan yukon bavaria tuscany sicily
    london paris berlin madrid rome moscow tokyo beijing shanghai delhi mumbai sydney
    melbourne toronto montreal vancouver chicago boston seattle houston dallas miami
    atlanta denver detroit philadelphia hollywood vegas angeles francisco brooklyn
    manhattan amsterdam brussels vienna prague warsaw budapest athens istanbul cairo
    dubai lagos nairobi johannesburg seoul bangkok jakarta manila hanoi
    lisbon dublin edinburgh glasgow manchester liverpool oslo stockholm copenhagen
    helsinki zurich geneva milan venice naples barcelona lima bogota santiago
    python java javascript typescript rust ruby php perl kotlin haskell scala golang
    clojure elixir erlang fortran cobol pascal matlab lua dart bash powershell
    windows linux macos ubuntu android ios iphone ipad
    male female males females men mens women womens ladies boys girls
    yesterday tomorrow tonight weekend
    basketball baseball football soccer tennis golf hockey cricket rugby volleyball
    boxing wrestling swimming skiing cycling chess badminton bowling""".split()
)


def narrows(word: str) -> bool:
    """True if `word` names a place, a people, a language or system, a sex, a day or a
    sport, or says which kind is not meant ("non-recursive"): said and not in a prompt,
    it asks about one part of what the prompt asks ("i will see the matrix tonight")."""
    return word in NARROWING_NAMES or (
        word.startswith("non") and len(word) >= 7 and word not in ("nonsense", "nonstop")
    )


# Nots that ask rather than deny: "Doesn't it feel crowded?" asks what "Does it feel
# crowded?" asks, and "I don't get what the stock market is" what "What is the stock
# market?" does.
_ASKING_NOT = re.compile(
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|have|has|should) not "
    r"(?=(?:it|you|he|she|they|we|i|that|this|there)\b)"
    r"|\bi (?:do|did|can|could) not (?:really |quite |fully )?(?:know|understand|get)\b"
)


def negated(normalized: str) -> bool:
    """True if `normalized` says no, not or never ("doesn't" is "does not" by then),
    other than to ask ("don't you like pizza?", "I don't know what AI is")."""
    return not NEGATIONS.isdisjoint(_ASKING_NOT.sub("", normalized).split())


# What a question asks for, by its question word ("which" asks what "what" does).
QUESTION_WORDS = {
    "what": "what",
    "which": "what",
    "who": "who",
    "whom": "who",
    "whose": "who",
    "why": "why",
    "how": "how",
    "when": "when",
    "where": "where",
}


_AUXILIARIES = frozenset({*MODES, "am", "are", "is"})  # that start a question
_PERSONAL = frozenset("i you we they he she it".split())
# Words that make a sentence ask without a question mark: "I wonder whether you are sad".
_ASKING = frozenset("whether if wonder wondering know tell ask asking curious".split())


def asks_whether(words: list[str]) -> bool:
    """True if `words` (normalized) ask whether of someone: "am i a programmer"."""
    if words[1:2] == ["not"]:
        words = [words[0], *words[2:]]
    return len(words) > 1 and words[0] in _AUXILIARIES and words[1] in _PERSONAL


def tells(text: str, words: list[str]) -> bool:
    """True if `text` (`words`, normalized) says something of someone rather than asks
    or bids: "Of course I am a programmer." does not ask "Am I a programmer?"."""
    return (
        not text.rstrip().endswith("?")
        and subject(words) is not None
        and words[0] not in _AUXILIARIES
        and words[0] not in QUESTION_WORDS
        and _ASKING.isdisjoint(words)
    )


# The questions that ask for one kind of answer: a person, a time, a place, a reason.
SPECIFIC_QUESTIONS = frozenset({"who", "when", "where", "why"})


def questioned(words: Sequence[str]) -> set[str]:
    """The words `words` (normalized, rephrased) ask which one of: {"film"} for "for what
    film"."""
    return {
        following
        for word, following in zip(words, words[1:], strict=False)
        if word in ("what", "which") and following not in FUNCTION_WORDS
    }


def questions(normalized: str) -> set[str]:
    """What `normalized` asks for: {"why"} for "why is the sky blue"."""
    return {QUESTION_WORDS[word] for word in normalized.split() if word in QUESTION_WORDS}
