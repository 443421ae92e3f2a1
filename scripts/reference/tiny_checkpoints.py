"""Makes the tiny GPT-2 checkpoints of tests/fixtures/models/ and their float64 references.

GPT-2 written from the paper in numpy float64, one sequence at a time, with no padding and its
own safetensors reader and writer: it shares no code with src/analysis/model, so agreement
between the two is evidence for both.

  python3 scripts/reference/tiny_checkpoints.py check
      recompute tests/fixtures/reference/*.json from the committed checkpoints and compare
      (max |difference| per model; both are rounded to 7 decimals, so they may differ by one
      unit of the last decimal where float64 sums land either side of a rounding edge;
      anything above 1e-7 is a real difference: exits 1)
  python3 scripts/reference/tiny_checkpoints.py make OUT_DIR [--seed N]
      write new checkpoints (models/<name>/config.json + model.safetensors) and their
      references (reference/<name>.json) under OUT_DIR, in the three layouts real checkpoints
      come in: GPT2Model names in F32 with the attn.bias / attn.masked_bias buffers; and
      GPT2LMHeadModel names (transformer.*) with lm_head.weight, in F16 and in BF16.

Needs numpy only. A new seed gives other weights than the committed ones (they came from an
earlier run of the same construction); `check` is what proves the committed references.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
NAMES = ["tiny-bare-f32", "tiny-prefixed-f16", "tiny-prefixed-bf16"]
CONFIG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
    "n_embd": 48, "n_layer": 3, "n_head": 4, "n_positions": 32, "n_ctx": 32, "vocab_size": 101,
    "layer_norm_epsilon": 1e-05, "bos_token_id": 100, "eos_token_id": 100,
}
HOOK = "blocks.{L}.attn.hook_qkv = output of h.{L}.attn.c_attn"
COMPUTED_BY = "independent numpy float64 GPT-2, one sequence at a time, no padding"
DECIMALS = 7  # the references' precision: far below float32's error at these magnitudes


# --- safetensors, read and written by hand --------------------------------------------------

def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        buf = data[start:end]
        if entry["dtype"] == "F32":  # (the F32 file also holds the float attn.bias mask buffers)
            values = np.frombuffer(buf, dtype="<f4").astype(np.float64)
        elif entry["dtype"] == "F16":
            values = np.frombuffer(buf, dtype="<f2").astype(np.float64)
        elif entry["dtype"] == "BF16":  # the upper half of a float32
            values = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view("<f4").astype(np.float64)
        else:
            raise ValueError(f"{path}: {name} has dtype {entry['dtype']}, which this script does not read")
        tensors[name.removeprefix("transformer.")] = values.reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors, dtype):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, values in tensors.items():
        if dtype == "F32":
            buf, kind = values.astype("<f4").tobytes(), "F32"
        elif dtype == "F16":
            buf, kind = values.astype("<f2").tobytes(), "F16"
        else:  # BF16: round float32 to nearest even on the upper 16 bits
            bits = values.astype("<f4").view("<u4").astype(np.uint64)
            rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
            buf, kind = rounded.tobytes(), "BF16"
        header[name] = {"dtype": kind, "shape": list(values.shape), "data_offsets": [offset, offset + len(buf)]}
        chunks.append(buf)
        offset += len(buf)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))


# --- GPT-2 in float64 -------------------------------------------------------------------------

def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(t, config, ids):
    """c_attn outputs [layer][position][3d] and the last position's logits, for one sequence."""
    d, heads, eps = config["n_embd"], config["n_head"], config["layer_norm_epsilon"]
    dh = d // heads
    n = len(ids)
    h = t["wte.weight"][ids] + t["wpe.weight"][:n]
    qkv_per_layer = []
    for layer in range(config["n_layer"]):
        p = f"h.{layer}."
        a = layer_norm(h, t[p + "ln_1.weight"], t[p + "ln_1.bias"], eps)
        qkv = a @ t[p + "attn.c_attn.weight"] + t[p + "attn.c_attn.bias"]  # [n, 3d]
        qkv_per_layer.append(qkv)
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, heads, dh).transpose(1, 0, 2) for i in range(3))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(dh)
        scores = np.where(np.tril(np.ones((n, n), dtype=bool)), scores, -np.inf)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        y = (weights @ v).transpose(1, 0, 2).reshape(n, d)
        h = h + y @ t[p + "attn.c_proj.weight"] + t[p + "attn.c_proj.bias"]
        m = layer_norm(h, t[p + "ln_2.weight"], t[p + "ln_2.bias"], eps)
        m = gelu_new(m @ t[p + "mlp.c_fc.weight"] + t[p + "mlp.c_fc.bias"])
        h = h + m @ t[p + "mlp.c_proj.weight"] + t[p + "mlp.c_proj.bias"]
    final = layer_norm(h[-1], t["ln_f.weight"], t["ln_f.bias"], eps)
    return qkv_per_layer, final @ t["wte.weight"].T


def reference(name, tensors, config, sequences):
    qkv, logits = [], []
    for ids in sequences:
        per_layer, last = forward(tensors, config, ids)
        qkv.append([np.round(layer, DECIMALS).tolist() for layer in per_layer])
        logits.append(np.round(last, DECIMALS).tolist())
    return {"model": f"models/{name}", "hook": HOOK, "computed_by": COMPUTED_BY, "sequences": sequences, "qkv": qkv, "logits_last": logits}


# --- commands ---------------------------------------------------------------------------------

def check():
    worst = 0.0
    for name in NAMES:
        folder = FIXTURES / "models" / name
        config = json.loads((folder / "config.json").read_text())
        stored = json.loads((FIXTURES / "reference" / f"{name}.json").read_text())
        ours = reference(name, read_safetensors(folder / "model.safetensors"), config, stored["sequences"])
        # both sides are rounded to 7 decimals: they may differ by one unit of the last one
        diff = max(
            max(np.max(np.abs(np.array(a) - np.array(b))) for a, b in zip(ours["qkv"], stored["qkv"])),
            max(np.max(np.abs(np.array(a) - np.array(b))) for a, b in zip(ours["logits_last"], stored["logits_last"])),
        )
        print(f"{name}: max |recomputed - committed| = {diff:.3g}")
        worst = max(worst, diff)
    return 0 if worst <= 1.01 * 10.0 ** -DECIMALS else 1


def random_tensors(config, rng):
    d, vocab, positions, layers = config["n_embd"], config["vocab_size"], config["n_positions"], config["n_layer"]
    normal = lambda *shape, scale=0.02: rng.normal(0.0, scale, shape)
    t = {"wte.weight": normal(vocab, d), "wpe.weight": normal(positions, d, scale=0.01)}
    for layer in range(layers):
        p = f"h.{layer}."
        # LayerNorms and biases away from (1, 0) so that a dropped bias or a wrong LayerNorm shows
        t[p + "ln_1.weight"], t[p + "ln_1.bias"] = 1 + normal(d, scale=0.1), normal(d, scale=0.1)
        t[p + "attn.c_attn.weight"], t[p + "attn.c_attn.bias"] = normal(d, 3 * d, scale=0.2), normal(3 * d, scale=0.1)
        t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = normal(d, d, scale=0.2), normal(d, scale=0.1)
        t[p + "ln_2.weight"], t[p + "ln_2.bias"] = 1 + normal(d, scale=0.1), normal(d, scale=0.1)
        t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = normal(d, 4 * d, scale=0.2), normal(4 * d, scale=0.1)
        t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = normal(4 * d, d, scale=0.2), normal(d, scale=0.1)
    t["ln_f.weight"], t["ln_f.bias"] = 1 + normal(d, scale=0.1), normal(d, scale=0.1)
    return t


def make(out, seed):
    rng = np.random.default_rng(seed)
    config = CONFIG
    base = random_tensors(config, rng)
    lengths = [1, 2, 5, 9, 14, config["n_positions"]]  # the last fills every position
    sequences = [rng.integers(0, config["vocab_size"], n).tolist() for n in lengths]
    n = config["n_positions"]
    for name in NAMES:
        dtype = name.rsplit("-", 1)[1].upper()
        prefixed = "prefixed" in name
        tensors = {(f"transformer.{k}" if prefixed else k): v for k, v in base.items()}
        if prefixed:
            tensors["lm_head.weight"] = base["wte.weight"]
        else:  # the causal-mask buffers that openai-community/gpt2 also carries
            for layer in range(config["n_layer"]):
                tensors[f"h.{layer}.attn.bias"] = np.tril(np.ones((1, 1, n, n)))
                tensors[f"h.{layer}.attn.masked_bias"] = np.full((), -1e4)
        folder = Path(out) / "models" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(config, indent=2))
        write_safetensors(folder / "model.safetensors", tensors, dtype)
        # The reference reads back what was written, so F16 and BF16 references use the rounded weights.
        stored = read_safetensors(folder / "model.safetensors")
        (Path(out) / "reference").mkdir(parents=True, exist_ok=True)
        (Path(out) / "reference" / f"{name}.json").write_text(json.dumps(reference(name, stored, config, sequences)))
        print(f"wrote {folder} and reference/{name}.json")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["check"]:
        sys.exit(check())
    if args[:1] == ["make"] and len(args) >= 2:
        seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
        sys.exit(make(args[1], seed))
    print(__doc__)
    sys.exit(2)
