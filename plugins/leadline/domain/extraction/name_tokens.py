"""The words of a name at the start of what someone says: "Mrs. Eleni Papadopoulos", "Phuong Le", "Daniel H.
Wang"; not "I'm calling about", not "L-A-N-E" (a spelling)."""

from __future__ import annotations

import re

from leadline.domain.extraction.vocabulary import NAME_PARTICLES, NOT_NAMES, TITLES

_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")


def name_tokens(text: str, cased: bool, limit: int = 3) -> list[str]:
    """Up to `limit` name-like words at the start of `text` (titles skipped)."""
    out: list[str] = []
    after_title = False
    pending: list[str] = []  # "de", "la", "van": part of a surname only when a capitalised word follows
    for match in re.finditer(r"[^\s,.;:!?—–]+|[,.;:!?—–]", text):
        word = match.group(0).strip("\"“”")
        bare = word.lower()
        if not out and (bare in TITLES or (after_title and word == ".")):
            after_title = True
            continue
        if word == "." and cased and out and len(out[-1]) == 1 and out[-1].isupper():
            continue  # "Daniel H. Wang": an initial's full stop is not the end of the name
        if out and cased and bare in NAME_PARTICLES and len(pending) < 2:
            pending.append(word)
            continue
        if (not _NAME_TOKEN.fullmatch(word) or bare in NOT_NAMES or bare.startswith(("i'", "i’"))
                or (cased and not word[0].isupper())
                or re.fullmatch(r"(?:[A-Za-z]-)+[A-Za-z]", word)):  # "L-A-N-E" spells a name, it is not one
            break
        out.extend([*pending, word])
        pending = []
        if len(out) >= limit:
            break
    if pending and len(out) == 1 and cased and pending[-1][0].isupper():  # "Phuong Le": the particle is the surname
        out.append(pending[-1])
    return out
