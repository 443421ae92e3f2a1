"""Writes tests/fixtures/stats/layer6-expected.json: the lecture's own numpy cells on layer6-*.npy.

The cells are kept as the lecture writes them: columns (neurons) divided by their norm over the
sentences (cosine) or centred first (correlation), the Gram matrix actsAllNorm.T @ actsAllNorm,
the matrix mask triu(vectorMask[:,None] @ vectorMask[None,:], 1) with Q, K, V = 1, 2, 3, each pair
type read as cossim[matrixMask == k] (QQ 1, KK 4, VV 9, QK 2, QV 3, KV 6), and
np.histogram(values, bins=np.linspace(-1, 1, 101), density=True). Mean and SD (ddof 0) of each
pair type's values are added.

  python3 scripts/reference/layer6_expected.py            check the committed file (exit 1 on a difference)
  python3 scripts/reference/layer6_expected.py --write    rewrite it

The activations themselves (float32 [54, 2304], layer 6 of a full-size random GPT-2 on the
lecture's 54 sentences, target " her" and the token before it) came from an earlier run of the
project's analysis and are kept as they are.
"""
import json
import sys
from pathlib import Path

import numpy as np

STATS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "stats"
PAIRS = {"QQ": 1, "KK": 4, "VV": 9, "QK": 2, "QV": 3, "KV": 6}
ABOUT = (
    "Computed by the lecture's own numpy cells on layer6-*.npy (float32 values, float64 math): columns (neurons) "
    "normalised over sentences; 'correlation' mean-centres each column first; QQ/KK/VV use the upper triangle of the "
    "block without its diagonal, QK/QV/KV the whole block; density = np.histogram(values, bins=np.linspace(-1, 1, 101), "
    "density=True). 'shuffled' permutes all entries of the target matrix (numpy's RNG, so only its shape is comparable)."
)


def similarities(acts, metric):
    acts = acts.astype(np.float64)
    if metric == "correlation":
        acts = acts - np.mean(acts, axis=0, keepdims=True)
    norm = acts / np.linalg.norm(acts, axis=0, keepdims=True)
    return norm.T @ norm


def expected():
    n_emb = None
    result = {}
    for metric in ("cosine", "correlation"):
        result[metric] = {}
        for condition in ("target", "nontarget"):
            acts = np.load(STATS / f"layer6-{condition}.npy")
            n_emb = acts.shape[1] // 3
            vector_mask = np.concatenate((np.full(n_emb, 1), np.full(n_emb, 2), np.full(n_emb, 3)))
            matrix_mask = np.triu(vector_mask[:, None] @ vector_mask[None, :], 1)
            sims = similarities(acts, metric)
            result[metric][condition] = {}
            for pair, k in PAIRS.items():
                values = sims[matrix_mask == k]
                density, _ = np.histogram(values, bins=np.linspace(-1, 1, 101), density=True)
                result[metric][condition][pair] = {
                    "density": density.tolist(), "mean": float(values.mean()), "sd": float(values.std()), "n": int(values.size),
                }
    result["about"] = ABOUT
    return result


def max_difference(a, b):
    if isinstance(a, dict):
        return max(max_difference(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return max((max_difference(x, y) for x, y in zip(a, b)), default=0.0)
    if isinstance(a, str):
        return 0.0 if a == b else float("inf")
    return abs(a - b)


if __name__ == "__main__":
    ours = expected()
    target = STATS / "layer6-expected.json"
    if "--write" in sys.argv[1:]:
        target.write_text(json.dumps(ours))
        print(f"wrote {target}")
        sys.exit(0)
    committed = json.loads(target.read_text())
    committed.pop("shuffled", None)
    diff = max_difference(ours, committed)
    print(f"max |recomputed - committed| = {diff:.3g}")
    sys.exit(0 if diff <= 1e-12 else 1)
