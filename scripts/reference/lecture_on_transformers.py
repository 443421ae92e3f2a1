"""Runs the lecture's own notebook code, with Hugging Face transformers, on a model folder.

The lecture's cells (tokenizer GPT2Tokenizer, pad = EOS, right padding, a forward hook on every
layer's attn.c_attn, target = first ' her', comparison = the token before it, cosine and
correlation similarities, the block mask, np.histogram with density=True) are kept as written,
looped over every layer instead of layer 6 only. The output is the reference that
tests/analysis/lecture-transformers.test.ts compares `qkv-atlas analyze` against.

Usage: python3 scripts/reference/lecture_on_transformers.py MODEL_DIR SET_YAML OUT_JSON
(needs torch, transformers, numpy; the model folder is one that `qkv-atlas make-model` wrote)
"""
import hashlib
import json
import re
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, GPT2Tokenizer

model_dir, set_file, out_file = sys.argv[1:4]
sentences = [m.group(1) for m in re.finditer(r"^  - (.*)$", open(set_file).read(), re.M)]

model = AutoModelForCausalLM.from_pretrained(model_dir)
tokenizer = GPT2Tokenizer.from_pretrained(model_dir)
model.eval()
nEmb = model.config.n_embd

activations = {}
def implant_hook(layer_number):
    def hook(module, input, output):
        activations[f"attn_{layer_number}_qvk"] = output.detach().numpy()
    return hook
for layeri in range(model.config.n_layer):
    model.transformer.h[layeri].attn.c_attn.register_forward_hook(implant_hook(layeri))

tokenizer.pad_token = tokenizer.eos_token
tokens = tokenizer(sentences, padding=True, return_tensors="pt")
with torch.no_grad():
    model(**tokens)

target_token = tokenizer.encode(" her")[0]
vectorMask = np.concatenate((np.full(nEmb, 1), np.full(nEmb, 2), np.full(nEmb, 3)))
matrixMask = np.triu(vectorMask[:, None] @ vectorMask[None, :], 1)
edges = np.linspace(-1, 1, 101)
codes = {"QQ": 1, "KK": 4, "VV": 9, "QK": 2, "QV": 3, "KV": 6}

def similarities(acts, centre):
    a = acts - np.mean(acts, axis=0, keepdims=True) if centre else acts
    a = a / np.linalg.norm(a, axis=0, keepdims=True)
    return a.T @ a

layers = []
for layeri in range(model.config.n_layer):
    actsAll_trg = np.zeros((len(sentences), nEmb * 3))
    actsAll_non = np.zeros((len(sentences), nEmb * 3))
    positions = []
    for senti in range(len(sentences)):
        targidx = tokens["input_ids"][senti].tolist().index(target_token)
        positions.append(targidx)
        actsAll_trg[senti, :] = activations[f"attn_{layeri}_qvk"][senti, targidx, :]
        actsAll_non[senti, :] = activations[f"attn_{layeri}_qvk"][senti, targidx - 1, :]
    record = {"layer": layeri, "target": actsAll_trg.tolist(), "nontarget": actsAll_non.tolist(), "positions": positions}
    for metric, centre in (("cosine", False), ("correlation", True)):
        record[metric] = {}
        for condition, acts in (("target", actsAll_trg), ("nontarget", actsAll_non)):
            cossim = similarities(acts, centre)
            record[metric][condition] = {}
            for pair, code in codes.items():
                values = cossim[matrixMask == code]
                density, _ = np.histogram(values, bins=edges, density=True)
                record[metric][condition][pair] = {
                    "n": int(values.size), "density": density.tolist(),
                    "mean": float(values.mean()), "sd": float(values.std()),
                }
    layers.append(record)

json.dump({
    "about": "The lecture's notebook cells run by transformers " + __import__("transformers").__version__
    + " and torch " + torch.__version__ + " on a model folder written by `qkv-atlas make-model --random --config tiny --seed 0`"
    " (loaded with AutoModelForCausalLM.from_pretrained), every layer, both metrics.",
    "model_sha256": hashlib.sha256(open(f"{model_dir}/model.safetensors", "rb").read()).hexdigest(),
    "ids": [ids[: int(mask.sum())] for ids, mask in zip(tokens["input_ids"].tolist(), tokens["attention_mask"])],
    "layers": layers,
}, open(out_file, "w"))
print("wrote", out_file)
