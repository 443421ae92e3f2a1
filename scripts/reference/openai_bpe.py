"""GPT-2's byte-level BPE as OpenAI first published it, used as a reference.

This is a line-by-line re-implementation of `src/encoder.py` from OpenAI's
gpt-2 repository (2019): `bytes_to_unicode`, the pre-tokenisation regex, and
merges applied by rank. It shares no code with the project's tokenizer (which
runs `@huggingface/transformers` from TypeScript), so agreement between the two
is evidence that the project tokenises exactly as GPT-2 was trained.

It reads `vocab.json` (OpenAI's `encoder.json`) and `merges.txt` (OpenAI's
`vocab.bpe`) from a Hugging Face model folder and writes the ids of the
lecture's 54 sentences and of awkward strings to
`tests/fixtures/tokenization-expected.json`. The tests read that JSON; they
never run Python.

    pip install regex
    python scripts/reference/openai_bpe.py [--model-dir DIR] [--out FILE]
"""

import argparse
import json
import os
import sys
from functools import lru_cache

import regex as re

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL_DIR = os.path.join(REPO_ROOT, "assets", "gpt2-tokenizer")
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "fixtures", "tokenization-expected.json")

# OpenAI's pattern, verbatim.
PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


@lru_cache()
def bytes_to_unicode():
    """Map every byte to a printable unicode character (OpenAI's table).

    Printable Latin-1 bytes map to themselves; the other 68 bytes are shifted
    to code points from 256 on, so that no token contains whitespace or
    control characters (a space becomes 'Ġ', a newline 'Ċ').
    """
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    cs = [chr(n) for n in cs]
    return dict(zip(bs, cs))


def get_pairs(word):
    """The set of adjacent symbol pairs in a word (a tuple of symbols)."""
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs


class Encoder:
    def __init__(self, encoder, bpe_merges, errors="replace"):
        self.encoder = encoder
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.errors = errors
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.cache = {}
        self.pat = re.compile(PATTERN)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)

        if not pairs:
            return token

        while True:
            # The pair with the lowest rank (earliest merge) is merged first.
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break

                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            new_word = tuple(new_word)
            word = new_word
            if len(word) == 1:
                break
            else:
                pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(" "))
        return bpe_tokens

    def decode(self, tokens):
        text = "".join([self.decoder[token] for token in tokens])
        text = bytearray([self.byte_decoder[c] for c in text]).decode("utf-8", errors=self.errors)
        return text


def get_encoder(model_dir):
    with open(os.path.join(model_dir, "vocab.json"), "r", encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(model_dir, "merges.txt"), "r", encoding="utf-8") as f:
        bpe_data = f.read()
    # First line is "#version: 0.2"; the file ends with a newline.
    bpe_merges = [tuple(merge_str.split()) for merge_str in bpe_data.split("\n")[1:-1]]
    return Encoder(encoder=encoder, bpe_merges=bpe_merges)


# The 54 sentences of the lecture, in its order, as written in its notebook.
LECTURE_SENTENCES = [
    "I saw her at the market.",
    "She gave her the book.",
    "They asked her for advice.",
    "We invited her to dinner.",
    "The dog followed her home.",
    "They asked her to join.",
    "He saw her at the park yesterday.",
    "Did you give her your address?",
    "I haven't seen her in ages.",
    "I told her the truth.",
    "They congratulated her on his success.",
    "She recognized her immediately.",
    "The teacher praised her for his work.",
    "I met her last summer.",
    "The child hugged her tightly.",
    "They warned her about the danger.",
    "She drove her to the airport.",
    "We waited for her for hours.",
    "The cat scratched her accidentally.",
    "They surprised her with a gift.",
    "She called her on the phone.",
    "The jury found her not guilty.",
    "I remembered her from school.",
    "They elected her as president.",
    "She forgave her for his mistake.",
    "The police questioned her yesterday.",
    "I helped her with his homework.",
    "They spotted her in the crowd.",
    "She visited her in the hospital.",
    "The manager promoted her last week.",
    "I trusted her completely.",
    "They respected her for his honesty.",
    "She taught her how to swim.",
    "The bird attacked her suddenly.",
    "I greeted her warmly.",
    "They supported her through difficult times.",
    "She ignored her at the party.",
    "The judge sentenced her to community service.",
    "I photographed her during the event.",
    "They believed her despite the evidence.",
    "She surprised her on his birthday.",
    "The guard stopped her at the entrance.",
    "I missed her terribly.",
    "They watched her leave the building.",
    "She accompanied her to the concert.",
    "The crowd cheered her enthusiastically.",
    "I described her to the police.",
    "They thanked her for his help.",
    "She admired her for his courage.",
    "The committee nominated her for the award.",
    "I married her last spring.",
    "They informed her about the changes.",
    "She introduced her to the parents.",
    "The author based the character on her.",
]

# Strings where a tokenizer is most likely to drift from the original:
# Unicode classes, whitespace runs, bytes split inside a character.
AWKWARD_STRINGS = [
    ("empty string", ""),
    ("target alone", " her"),
    ("target capitalised", " Her"),
    ("target at sentence start", "Her book is here."),
    ("target without space", "her"),
    ("accents (precomposed)", "café naïve Zoë"),
    ("accents (combining marks)", "cafe\u0301 nai\u0308ve Zoe\u0308"),
    ("combining marks stacked", "Z\u0351\u036b\u0343a\u0310l\u0352g\u0344o"),
    ("emoji", "I love 🍕 and 🐍!"),
    ("emoji with variation selector", "I ❤️ it"),
    ("emoji ZWJ family", "family: 👩‍👩‍👧‍👦"),
    ("emoji ZWJ rainbow flag", "🏳️‍🌈 parade"),
    ("emoji skin tone", "👍🏽 ok"),
    ("flags", "🇫🇷🇯🇵🇧🇷 flags"),
    ("tabs", "col1\tcol2\t\tcol4\t"),
    ("newlines", "line one\nline two\n\nline four\n"),
    ("windows newlines", "a\r\nb\r\n"),
    ("multiple spaces", "multiple   spaces    between  words"),
    ("leading spaces", "   leading spaces"),
    ("trailing spaces", "trailing spaces   "),
    ("only spaces", "    "),
    ("space then newline", "end of line \n  next"),
    ("HTML script", "<script>alert(1)</script>"),
    ("HTML entity", "Tom &amp; Jerry &lt;3 &#39;quoted&#39;"),
    ("numbers", "3.14159 and 1,000,000"),
    ("long number", "12345678901234567890"),
    ("contractions", "I'll've"),
    ("contractions many", "don't won't it's we're they've I'm you'd"),
    ("contractions uppercase", "DON'T YOU'LL"),
    ("curly apostrophe", "I\u2019ll go, she\u2019s here"),
    ("CJK Chinese", "中文分词测试"),
    ("CJK Japanese", "日本語のテキストです。"),
    ("Korean", "안녕하세요 세계"),
    ("Arabic", "مرحبا بالعالم"),
    ("Hebrew", "שלום עולם"),
    ("Devanagari", "नमस्ते दुनिया"),
    ("Arabic-Indic digits", "٣٤٥ and ½ and Ⅻ"),
    ("no-break space", "no\u00a0break\u00a0space"),
    ("no-break space leading", "\u00a0her"),
    ("ideographic space", "a\u3000b"),
    ("zero-width space", "zero\u200bwidth \u200bspace"),
    ("byte order mark", "\ufeffher and a\ufeff b"),
    ("byte order mark after space", "a \ufeffb !\ufeff?"),
    ("next line (U+0085)", "one\u0085two \u0085 three"),
    ("next line after space", "a \u0085b !\u0085?\u0085\u0085 c"),
    ("line separator", "one\u2028two \u2029 three"),
    ("vertical tab and form feed", "a\x0bb \x0c c"),
    ("control characters", "a\x1cb\x1f c\x00d"),
    ("em dash and ellipsis", "wait\u2014what\u2026 really?"),
    ("math superscripts", "x² + y² = z²"),
    ("long word", "supercalifragilisticexpialidocious"),
    ("punctuation run", "?!?!... ---- ***"),
    ("quotes", "\"quoted\" and 'single'"),
    ("url", "https://example.com/a?b=c&d=e#f"),
    ("code", "def f(x):\n    return x ** 2\n"),
]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    encoder = get_encoder(args.model_dir)

    # The example every GPT-2 tokenizer must reproduce.
    example = encoder.encode("I saw her at the market.")
    assert example == [40, 2497, 607, 379, 262, 1910, 13], example
    assert encoder.encode(" her") == [607], encoder.encode(" her")

    def entry(label, text):
        ids = encoder.encode(text)
        assert encoder.decode(ids) == text, (label, text)
        return {
            "label": label,
            "text": text,
            "ids": ids,
            "pieces": [encoder.decoder[i] for i in ids],
        }

    result = {
        "source": "scripts/reference/openai_bpe.py (OpenAI gpt-2 encoder.py re-implemented)",
        "pattern": PATTERN,
        "lecture": [entry(f"lecture {i + 1}", s) for i, s in enumerate(LECTURE_SENTENCES)],
        "awkward": [entry(label, s) for label, s in AWKWARD_STRINGS],
    }
    assert len(result["lecture"]) == 54

    # One string per line keeps the fixture readable and its diffs small.
    def dump(value):
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    lines.append(f' "source": {dump(result["source"])},')
    lines.append(f' "pattern": {dump(result["pattern"])},')
    for key in ("lecture", "awkward"):
        lines.append(f' "{key}": [')
        items = [f"  {dump(e)}" for e in result[key]]
        lines.append(",\n".join(items))
        lines.append(" ]," if key == "lecture" else " ]")
    lines.append("}")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(result['lecture'])} lecture sentences, {len(result['awkward'])} awkward strings")


if __name__ == "__main__":
    main(sys.argv[1:])
