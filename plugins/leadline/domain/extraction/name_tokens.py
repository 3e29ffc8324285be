"""The words of a name at the start of what someone says: "Mrs. Eleni Papadopoulos", "Phuong Le", "Daniel H.
Wang"; not "I'm calling about", not "L-A-N-E" (a spelling)."""

from __future__ import annotations

import re

_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
STOPWORDS = {
    "i", "yeah", "yes", "yep", "hi", "hello", "hey", "thanks", "thank", "um", "uh", "so", "and", "but", "calling",
    "just", "sure", "okay", "ok", "well", "oh", "no", "not", "the", "a", "an", "my", "we", "our", "it", "this", "that",
    "good", "great", "sorry", "please", "from", "with", "about", "in", "on", "at", "here", "there", "looking",
    "interested", "trying", "going", "having", "wondering", "hoping", "still", "also", "actually", "really", "kind",
    "like", "gonna", "wanna", "glad", "happy", "fine", "speaking", "over", "out", "back", "again", "one",
    "who", "what", "how", "is", "was", "be", "to", "for", "of", "or", "by", "as", "if", "do", "did", "can", "will",
    "would", "could", "should", "get", "got", "need", "needing", "want", "your", "you", "me", "him", "her", "his",
    "mister", "misses", "miss", "mr", "mrs", "ms", "dr", "doctor", "last", "first", "name", "spelled", "spell",
    "correct", "right", "absolutely", "perfect", "wait", "hmm", "yup", "nope", "thats", "that's", "it's", "i'm",
    "new", "existing", "patient", "customer", "homeowner", "owner", "manager", "call", "called",
    "reaching", "following", "returning", "checking", "ringing", "writing", "after", "before", "because", "since",
    "when", "where", "then", "now", "today", "tomorrow", "currently", "probably", "maybe", "definitely", "all",
    "hold", "full", "policy", "same", "bye", "goodbye", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "ready", "done", "busy", "home", "away", "sick", "worried", "concerned", "afraid", "aware",
    "curious",
}
_PARTICLES = {"de", "la", "del", "van", "der", "von", "da", "di", "le", "bin", "al", "dos", "du", "ter"}
TITLES = {"mr", "mrs", "ms", "miss", "dr", "mister", "misses", "doctor", "pastor", "father", "reverend", "rev",
          "professor", "prof", "officer", "sister", "brother"}


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
        if out and cased and bare in _PARTICLES and len(pending) < 2:
            pending.append(word)
            continue
        if (not _NAME_TOKEN.fullmatch(word) or bare in STOPWORDS or bare.startswith(("i'", "i’"))
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
