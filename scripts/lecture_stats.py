#!/usr/bin/env python3
"""The lecture's numpy cells, as the speed peer of qkv-atlas's statistics.

For every layer whose activations are given (layer-{L}-target.npy and
layer-{L}-nontarget.npy in a folder, float32 [n_sentences, 3*d]) this runs,
with the lecture's own code and semantics:
  - the cosine cell (target and nontarget) and the correlation cell (target and
    nontarget), each followed by the extraction of the six pair types with the
    matrix mask (cossim[matrixMask == k]) and their density histograms;
  - the shuffled baseline of the target (all entries permuted together, cosine),
    its upper-triangle values and their histogram.
The matrix mask is built once (as in the lecture) and its time is reported apart.
Plotting is left out. It prints one JSON object of timings in seconds.

usage: python3 scripts/lecture_stats.py DIR [--layers 0,1,...] [--seed 1]
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def pair_values(cossim, matrixMask, qLoc=1, kLoc=2, vLoc=3):
    return [
        cossim[matrixMask == qLoc * qLoc],
        cossim[matrixMask == kLoc * kLoc],
        cossim[matrixMask == vLoc * vLoc],
        cossim[matrixMask == qLoc * kLoc],
        cossim[matrixMask == qLoc * vLoc],
        cossim[matrixMask == kLoc * vLoc],
    ]


def lecture_layer(actsAll_trg, actsAll_non, matrixMask, edges):
    out = {}
    # cosine cell
    actsAllNorm = actsAll_trg / np.linalg.norm(actsAll_trg, axis=0, keepdims=True)
    cossim_trg = actsAllNorm.T @ actsAllNorm
    actsAllNorm = actsAll_non / np.linalg.norm(actsAll_non, axis=0, keepdims=True)
    cossim_non = actsAllNorm.T @ actsAllNorm
    out["cosine"] = [np.histogram(v, bins=edges, density=True)[0]
                     for m in (cossim_trg, cossim_non) for v in pair_values(m, matrixMask)]

    # correlation cell
    actsAllNorm = actsAll_trg - np.mean(actsAll_trg, axis=0, keepdims=True)
    actsAllNorm = actsAllNorm / np.linalg.norm(actsAllNorm, axis=0, keepdims=True)
    cossim_trg = actsAllNorm.T @ actsAllNorm
    actsAllNorm = actsAll_non - np.mean(actsAll_non, axis=0, keepdims=True)
    actsAllNorm = actsAllNorm / np.linalg.norm(actsAllNorm, axis=0, keepdims=True)
    cossim_non = actsAllNorm.T @ actsAllNorm
    out["correlation"] = [np.histogram(v, bins=edges, density=True)[0]
                          for m in (cossim_trg, cossim_non) for v in pair_values(m, matrixMask)]

    # shuffled baseline cell
    randindices = np.random.permutation(np.prod(actsAll_trg.shape))
    actsRand_flat = actsAll_trg.flatten()[randindices]
    actsAll_trgRand = actsRand_flat.reshape(actsAll_trg.shape)
    actsAllNorm = actsAll_trgRand / np.linalg.norm(actsAll_trgRand, axis=0, keepdims=True)
    cossim_trgRand = actsAllNorm.T @ actsAllNorm
    randcs_trg = cossim_trgRand[np.nonzero(np.triu(cossim_trgRand, 1))]
    out["shuffled"] = np.histogram(randcs_trg, bins=edges, density=True)[0]
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--layers", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    np.random.seed(args.seed)

    if args.layers:
        layers = [int(x) for x in args.layers.split(",")]
    else:
        layers = sorted(int(name.split("-")[1]) for name in os.listdir(args.dir)
                        if name.startswith("layer-") and name.endswith("-target.npy"))
    if not layers:
        print(f"no layer-{{L}}-target.npy files in {args.dir}", file=sys.stderr)
        sys.exit(2)

    edges = np.linspace(-1, 1, 101)
    timings = {"numpy": np.__version__, "layers": [], "perLayer": [], "load": 0.0}
    t_mask = time.perf_counter()
    nEmb = None
    matrixMask = None
    total = 0.0
    for layeri in layers:
        t0 = time.perf_counter()
        # as in the lecture, the activations live in float64 arrays
        actsAll_trg = np.load(os.path.join(args.dir, f"layer-{layeri}-target.npy")).astype(np.float64)
        actsAll_non = np.load(os.path.join(args.dir, f"layer-{layeri}-nontarget.npy")).astype(np.float64)
        timings["load"] += time.perf_counter() - t0
        if matrixMask is None:
            nEmb = actsAll_trg.shape[1] // 3
            t_mask = time.perf_counter()
            vectorMask = np.concatenate((np.full(nEmb, 1), np.full(nEmb, 2), np.full(nEmb, 3)))
            matrixMask = vectorMask[:, None] @ vectorMask[None, :]
            matrixMask = np.triu(matrixMask, 1)
            timings["mask"] = time.perf_counter() - t_mask
            total += timings["mask"]
        t1 = time.perf_counter()
        lecture_layer(actsAll_trg, actsAll_non, matrixMask, edges)
        dt = time.perf_counter() - t1
        timings["layers"].append(layeri)
        timings["perLayer"].append(dt)
        total += dt
    timings["nSentences"] = int(actsAll_trg.shape[0])
    timings["nEmbd"] = int(nEmb)
    timings["total"] = total
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
