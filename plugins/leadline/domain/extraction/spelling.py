"""Names spelled out by the caller: "L-A-N-E", "H as in Henry, A-R-P-E-R", "Wroblewska, W-R-O-B-L-E-W-S-K-A".
A spelling settles how a name is written, and fixes a word the recogniser misheard."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

_SPELL_LETTER = re.compile(r"\b([A-Za-z])(?: as in \w+)?(?=[\s,.\-–]|$)")


def spelled_words(text: str) -> list[str]:
    """Letter-by-letter spellings in `text`: "L-A-N-E" / "H as in Henry, A-R-P-E-R" -> "LANE", "HARPER"."""
    found = []
    for chunk in re.finditer(r"(?<![\w'’])(?:[A-Za-z](?: as in [A-Za-z]+)?(?:[\s,.\-–]+|$)){3,}", text):
        sentence = re.split(r"\.\s", chunk.group(0))[0]  # "L-A-N-E. I need..." ends at the full stop
        for word in re.split(r"\s+(?=[A-Za-z]-)|,\s*(?=[A-Za-z]-)", sentence.strip()):
            letters = "".join(m.group(1) for m in _SPELL_LETTER.finditer(word))
            if len(letters) >= 3:
                found.append(letters.upper())
    return found


def apply_spelling(tokens: list[str], spelled: list[str], said_with_name: list[str]) -> tuple[list[str], bool]:
    """Spellings fix the name's words they resemble (same first letter). A spelling said in the same breath
    as the name may fix a word the recogniser misheard further ("Burn, B-Y-R-N-E")."""
    fixed, matched = list(tokens), False
    confirmed = {re.sub(r"\W", "", t).upper() for t in tokens} & set(spelled)  # spelled as said: settled
    for letters in spelled:
        if any(re.sub(r"\W", "", t).upper() == letters for t in fixed):
            matched = True
            continue
        similarity = [0 if re.sub(r"\W", "", t).upper() in confirmed else fuzz.ratio(t.upper(), letters) for t in fixed]
        best = max(range(len(fixed)), key=similarity.__getitem__, default=None)
        needed = 40 if letters in said_with_name else 60
        if (best is not None and similarity[best] >= needed and fixed[best][0].upper() == letters[0]
                and len(letters) >= 0.7 * len(re.sub(r"\W", "", fixed[best]))):  # "Mac" does not spell MacDermott
            fixed[best], matched = letters.capitalize(), True
    return fixed, matched


def spelled_surname(sentences: list[str]) -> list[str]:
    """ "Katarzyna, K-A-T-A-R-Z-Y-N-A. Wroblewska, W-R-O-B-L-E-W-S-K-A.": a word said with its own spelling
    right after the given name is the surname."""
    for sentence in sentences[:2]:
        said = re.match(r"\s*([A-Z][\w'’-]+),?\s+((?:[A-Za-z][\s,.-]+){2,}[A-Za-z])\b", sentence)
        if said and re.sub(r"[^A-Za-z]", "", said.group(2)).upper() == re.sub(r"\W", "", said.group(1)).upper():
            return [said.group(1)]
    return []
