"""Other ways people say the prompts Diego knows, and what they do not mean, by hand.

`corpus/phrasings/*.yml` give, for prompts of the default corpora, how people say the
same thing in their own words ("what's the biggest planet" for "What is the largest
planet in our solar system?"). Diego searches them by meaning beside the prompts
themselves, and one found is understood as its prompt: it gets the prompt's replies.

`corpus/near-misses/*.yml` give, for the same prompts, what people say that looks like
one but means something else ("What is the smallest planet in our solar system?"):
said closer to one of those than to any way of saying the prompt, it is not the prompt.
"""

import functools
from collections.abc import Mapping
from pathlib import Path

import yaml

FOLDER = Path(__file__).with_name("corpus") / "phrasings"
NEAR_MISSES_FOLDER = FOLDER.with_name("near-misses")

Phrasings = Mapping[str, tuple[str, ...]]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, if PyYAML has it


@functools.cache
def load_phrasings(folder: Path = FOLDER) -> Phrasings:
    """{prompt: its phrasings} from every `*.yml` file in `folder` (read once a process)."""
    return _load(folder, "said")


@functools.cache
def load_near_misses(folder: Path = NEAR_MISSES_FOLDER) -> Phrasings:
    """{prompt: what looks like it but means something else} from every `*.yml` file in
    `folder` (read once a process)."""
    return _load(folder, "not")


def _load(folder: Path, key: str) -> Phrasings:
    texts: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.yml")):
        for number, entry in enumerate(yaml.load(path.read_text(), Loader=_Loader) or [], 1):
            try:
                prompt, said = entry["prompt"], entry[key] or []
            except (TypeError, KeyError):
                raise ValueError(
                    f"{path.name}: entry {number} needs a 'prompt' and a '{key}' list"
                ) from None
            texts[prompt] = (*texts.get(prompt, ()), *said)
    return texts
