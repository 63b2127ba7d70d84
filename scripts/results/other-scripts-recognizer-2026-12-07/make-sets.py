"""The Arabic and Devanagari sets of this folder: the Debian folder's distinct fonts of one
script (catalog of `fontsynth fonts scan /tmp/fl`), and 3,000 random words (python's random,
seed 1): 2-8 of the 28 basic Arabic letters; 1-4 Devanagari syllables of a consonant, a
conjunct with a second one (15%), a vowel sign (50%) and an anusvara (10%)."""

import json
import os
import random
import shutil

catalog = json.load(open("/tmp/fl/catalog.json"))
for script, folder in (("Arabic", "/tmp/s43/ar"), ("Devanagari", "/tmp/s43/hi")):
    os.makedirs(f"{folder}/fonts", exist_ok=True)
    for f in catalog["fonts"]:
        if f.get("script") == script and f["accepted"] and not f.get("duplicate_of") and f["index"] == 0 and not f["variable"]:
            shutil.copy(f"/tmp/fl/{f['path']}", f"{folder}/fonts/{os.path.basename(f['path'])}")

rng = random.Random(1)
arabic = "\u0627\u0628\u062a\u062b\u062c\u062d\u062e\u062f\u0630\u0631\u0632\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063a\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u0648\u064a"
words = {"".join(rng.choices(arabic, k=rng.randint(2, 8))) for _ in range(3000)}
open("/tmp/s43/ar/words.txt", "w").write("\n".join(sorted(words)) + "\n")

rng = random.Random(1)
consonants = [chr(c) for c in range(0x0915, 0x093A)]
signs = [chr(c) for c in range(0x093E, 0x094D) if c not in (0x0945, 0x0946, 0x0949, 0x094A)]


def syllable():
    s = rng.choice(consonants)
    if rng.random() < 0.15:
        s += "\u094d" + rng.choice(consonants)
    if rng.random() < 0.5:
        s += rng.choice(signs)
    if rng.random() < 0.1:
        s += "\u0902"
    return s


words = {"".join(syllable() for _ in range(rng.randint(1, 4))) for _ in range(3000)}
open("/tmp/s43/hi/words.txt", "w").write("\n".join(sorted(words)) + "\n")
