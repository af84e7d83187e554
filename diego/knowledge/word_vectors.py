"""Static word embeddings: WordLlama's, read from its package, nothing downloaded.

WordLlama (MIT) ships a 32,000-token embedding table (256 dimensions, float16) trained
for sentence similarity; a word's vector is the mean of its tokens' vectors.
"""

import functools
import importlib.util
from pathlib import Path

import numpy as np

DIMENSIONS = 256


@functools.cache
def _model() -> tuple[object, np.ndarray]:
    # Imported here so that only a process that matches meanings pays for it.
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    # Its files only: importing the package (its own inference code) costs 0.25 s.
    (root,) = map(Path, importlib.util.find_spec("wordllama").submodule_search_locations)
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    table = load_file(str(root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"))
    # Kept in float16, as shipped: converting the whole table would cost every start 0.15 s.
    return tokenizer, table["embedding.weight"]


class WordVectors:
    """Unit vectors for words, each computed once."""

    def __init__(self):
        self._tokenizer, self._table = _model()
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, word: str) -> np.ndarray:
        vector = self._cache.get(word)
        if vector is None:
            ids = self._tokenizer.encode(word, add_special_tokens=False).ids
            vector = (
                self._table[ids].astype(np.float32).mean(axis=0)
                if ids
                else np.zeros(DIMENSIONS, np.float32)
            )
            norm = np.linalg.norm(vector)
            vector = vector / norm if norm else vector
            if len(self._cache) < 200_000:
                self._cache[word] = vector
        return vector

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two words' vectors, from -1 to 1."""
        return float(self[first] @ self[second])
