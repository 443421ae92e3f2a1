"""Records a reference fixture from Hugging Face transformers itself.

A random GPT2LMHeadModel (built from a GPT2Config, saved with save_pretrained) runs the
first sentences of the lecture, tokenized by GPT-2's own tokenizer files, as one batch
padded on the right with EOS and masked, exactly as the lecture does; forward hooks on
every layer's attn.c_attn record what the lecture's hook captures. The model folder and
the recorded outputs become tests/fixtures/hf-random-gpt2/.

Usage: python3 scripts/reference/hf_reference.py OUT_DIR   (needs torch and transformers)
"""
import json
import sys
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

out = Path(sys.argv[1])
repo = Path(__file__).resolve().parents[2]
tok_dir = repo / "assets" / "gpt2-tokenizer"

torch.manual_seed(20261126)
config = GPT2Config(
    vocab_size=50257, n_positions=64, n_embd=32, n_layer=2, n_head=4,
    activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
)
model = GPT2LMHeadModel(config).eval()
# Random init leaves LayerNorm at (1, 0) and biases at 0; make them non-trivial so a
# wrong LayerNorm or a dropped bias cannot pass unnoticed.
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith(".bias") or ".ln_" in name or name.startswith("transformer.ln_f"):
            p.add_(torch.randn_like(p) * 0.1)
model_dir = out / "model"
model.save_pretrained(model_dir, safe_serialization=True)
for f in ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"]:
    (model_dir / f).write_bytes((tok_dir / f).read_bytes())

tokenizer = GPT2TokenizerFast.from_pretrained(str(tok_dir))
tokenizer.pad_token = tokenizer.eos_token
sentences = [
    "I saw her at the market.",
    "She gave her the book.",
    "He saw her at the park yesterday.",
    "Did you give her your address?",
    "I haven't seen her in ages.",
    "The author based the character on her.",
    "Caf\u00e9 <script>alert(1)</script> \U0001F600 her",
    "They supported her through difficult times.",
]
batch = tokenizer(sentences, padding=True, return_tensors="pt")

captured = {}
def hook(layer):
    def f(module, inputs, output):
        captured[layer] = output.detach().double().numpy()
    return f
handles = [model.transformer.h[i].attn.c_attn.register_forward_hook(hook(i)) for i in range(config.n_layer)]
with torch.no_grad():
    logits = model(**batch).logits.double().numpy()
mask = batch["attention_mask"].numpy()
lengths = mask.sum(axis=1).tolist()
ids = batch["input_ids"].tolist()

record = {
    "about": "Recorded with Hugging Face transformers " + __import__("transformers").__version__
    + ", torch " + torch.__version__ + ": a random GPT2LMHeadModel (float32) run on the sentences as one batch"
    " padded on the right with EOS (50256) and an attention mask; qkv[s][L][p] is the output of"
    " transformer.h[L].attn.c_attn at real position p (forward hook); logits_last[s] the logits at the"
    " sentence's last real position, first 64 values only.",
    "sentences": sentences,
    "ids": ids,
    "lengths": lengths,
    "qkv": [[captured[L][s, : lengths[s]].tolist() for L in range(config.n_layer)] for s in range(len(sentences))],
    "logits_last": [logits[s, lengths[s] - 1, :64].tolist() for s in range(len(sentences))],
}
(out / "reference.json").write_text(json.dumps(record))
print("wrote", out, "lengths", lengths)
