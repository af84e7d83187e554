"""Other ways people say the prompts Diego knows, written by hand.

`corpus/phrasings/*.yml` give, for prompts of the default corpora, how people say the
same thing in their own words ("what's the biggest planet" for "What is the largest
planet in our solar system?"). Diego searches them by meaning beside the prompts
themselves, and one found is understood as its prompt: it gets the prompt's replies.
"""

import functools
from collections.abc import Mapping
from pathlib import Path

import yaml

FOLDER = Path(__file__).with_name("corpus") / "phrasings"

Phrasings = Mapping[str, tuple[str, ...]]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, if PyYAML has it


@functools.cache
def load_phrasings(folder: Path = FOLDER) -> Phrasings:
    """{prompt: its phrasings} from every `*.yml` file in `folder` (read once a process)."""
    phrasings: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.yml")):
        for number, entry in enumerate(yaml.load(path.read_text(), Loader=_Loader) or [], 1):
            try:
                prompt, said = entry["prompt"], entry["said"] or []
            except (TypeError, KeyError):
                raise ValueError(
                    f"{path.name}: entry {number} needs a 'prompt' and a 'said' list"
                ) from None
            phrasings[prompt] = (*phrasings.get(prompt, ()), *said)
    return phrasings
