"""The sentence encoder is all-MiniLM-L6-v2 (in 8 bits), and prompts are encoded once."""

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine

from diego.knowledge.sentence_encoder import MAX_TOKENS, SentenceEncoder
from diego.knowledge.vector_cache import VectorCache

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder()


def test_vectors_are_sentence_transformers_own_to_within_8_bit_weights(encoder):
    assert MAX_TOKENS == REFERENCE["max_seq_length"]
    vectors = encoder.encode_all(REFERENCE["sentences"])
    expected = np.array(REFERENCE["vectors"], np.float32)
    assert (vectors * expected).sum(axis=1).min() > 0.998


def test_a_batch_of_mixed_lengths_encodes_each_text_as_alone(encoder):
    texts = ["Hi", "How many wheels does a bicycle have?", "ok", "word " * 40]
    batch = encoder.encode_all(texts)
    for text, vector in zip(texts, batch, strict=True):
        assert encoder.encode(text) @ vector > 0.9995
    assert np.allclose(np.linalg.norm(batch, axis=1), 1, atol=1e-5)


def test_close_in_meaning_is_close_in_direction(encoder):
    question = encoder.encode("What is artificial intelligence?")
    assert question @ encoder.encode("What is AI?") > 0.7
    assert question @ encoder.encode("How many wheels does a bicycle have?") < 0.3


class CountingEncoder:
    def __init__(self, encoder, layers_file=None):
        self.encoder, self.encoded = encoder, []
        self.layers_file = layers_file or encoder.layers_file

    def encode_all(self, texts):
        self.encoded.extend(texts)
        return self.encoder.encode_all(texts)


def test_each_prompt_is_encoded_once_for_every_process(encoder, tmp_path):
    url = f"sqlite:///{tmp_path / 'diego.sqlite3'}"
    first = CountingEncoder(encoder)
    kept = VectorCache(create_engine(url), first).encode_all(["Hi", "What is AI?", "Hi"])
    assert first.encoded == ["Hi", "What is AI?"]

    later = CountingEncoder(encoder)  # another process, or a restart
    read = VectorCache(create_engine(url), later).encode_all(["What is AI?", "Hi", "Bye"])
    assert later.encoded == ["Bye"]
    assert np.array_equal(read[:2], kept[[1, 0]])


def test_a_database_that_cannot_keep_vectors_only_costs_encoding_again(encoder, tmp_path):
    path = tmp_path / "diego.sqlite3"
    VectorCache(create_engine(f"sqlite:///{path}"), encoder)  # creates the table
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    counting = CountingEncoder(encoder)
    vectors = VectorCache(read_only, counting).encode_all(["Hi"])
    assert counting.encoded == ["Hi"]
    assert np.array_equal(vectors[0], encoder.encode("Hi"))


def test_vectors_of_other_layers_are_kept_apart(encoder, tmp_path):
    url = f"sqlite:///{tmp_path / 'diego.sqlite3'}"
    VectorCache(create_engine(url), encoder).encode_all(["Hi"])
    # A student's layers over the same embeddings: its vectors are not the teacher's.
    other = CountingEncoder(encoder, layers_file=tmp_path / "minilm-l3-int8.onnx")
    VectorCache(create_engine(url), other).encode_all(["Hi"])
    assert other.encoded == ["Hi"]
