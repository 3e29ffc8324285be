"""The caller's name: what the caller says about themself ("my name's Rob, Robert Lane", an answer to
"who am I speaking with?"), never the agent's greeting ("this is Pat") nor the name the caller greets
("Hi Sam"). Spelled names ("L-A-N-E", "K as in kilo") fix the spelling; nameparser drops titles and
capitalises names heard in lower case ("o'malley" -> "O'Malley")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nameparser import HumanName
from rapidfuzz import fuzz

from leadline.domain.extraction.turns import AGENT, Turn

_INTRO = re.compile(r"\b(?:my name(?:'s| is)|name(?:'s| is)|this is|i'm|i am|you can call me|call me|it's)\s+", re.I)
_SURNAME = re.compile(r"\b(?:last name(?:'s| is)?|surname(?:'s| is)?|family name(?:'s| is)?)\s*(?:is\s+)?", re.I)
_FIRST_NAME = re.compile(r"\bfirst name(?:'s| is)?\s*(?:is\s+)?", re.I)
_ASKS_NAME = re.compile(r"\b(?:your (?:full |first |last )?name|name\?|a name\b|who am i speaking|who i'm speaking|get a name|name for the|who's calling|"
                        r"who is calling|and you are|your (?:first|last) name)\b", re.I)
_VOCATIVE = re.compile(r"^\W*(?:hi|hello|hey|thanks|thank you|morning|good morning|good afternoon)[, ]+([A-Z][\w'’-]+)")
# "Hi Greg, Tomasz Nowak." / "Emeka Nwosu here." — a caller who just says their full name
_BARE_NAME = re.compile(r"^\W*(?:(?i:hi|hello|hey|yes|yeah)\W+(?:[A-Z][\w'’-]+\W+)?)?"
                        r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})(?:\s+here\b|\s*[.,;!](?:\s|$))")
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_SPELL_LETTER = re.compile(r"\b([A-Za-z])(?: as in \w+)?(?=[\s,.\-–]|$)")
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
    "ready", "done", "busy", "home", "away", "sick", "worried", "concerned", "afraid", "aware", "curious",
}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "mister", "misses", "doctor"}


@dataclass(frozen=True)
class NameMatch:
    name: str
    confidence: float


def _name_tokens(text: str, cased: bool, limit: int = 3) -> list[str]:
    """Up to `limit` name-like words at the start of `text` (titles skipped)."""
    out: list[str] = []
    after_title = False
    for match in re.finditer(r"[^\s,.;:!?—–]+|[,.;:!?—–]", text):
        word = match.group(0).strip("\"“”")
        bare = word.lower()
        if not out and (bare in _TITLES or (after_title and word == ".")):
            after_title = True
            continue
        if (not _NAME_TOKEN.fullmatch(word) or bare in STOPWORDS or bare.startswith(("i'", "i’")) or (cased and not word[0].isupper())
                or re.fullmatch(r"(?:[A-Za-z]-)+[A-Za-z]", word)):  # "L-A-N-E" spells a name, it is not one
            break
        out.append(word)
        if len(out) == limit:
            break
    return out


def _spelled_words(text: str) -> list[str]:
    """Letter-by-letter spellings in `text`: "L-A-N-E" / "H as in Henry, A-R-P-E-R" -> "LANE", "HARPER"."""
    found = []
    for chunk in re.finditer(r"(?<![\w'’])(?:[A-Za-z](?: as in [A-Za-z]+)?(?:[\s,.\-–]+|$)){3,}", text):
        sentence = re.split(r"\.\s", chunk.group(0))[0]  # "L-A-N-E. I need..." ends at the full stop
        for word in re.split(r"\s+(?=[A-Za-z]-)|,\s*(?=[A-Za-z]-)", sentence.strip()):
            letters = "".join(m.group(1) for m in _SPELL_LETTER.finditer(word))
            if len(letters) >= 3:
                found.append(letters.upper())
    return found


def _apply_spelling(tokens: list[str], spelled: list[str]) -> list[str]:
    fixed = list(tokens)
    for letters in spelled:
        if any(re.sub(r"\W", "", t).upper() == letters for t in fixed):
            continue
        similarity = [fuzz.ratio(t.upper(), letters) for t in fixed]
        best = max(range(len(fixed)), key=similarity.__getitem__, default=None)
        if best is not None and similarity[best] >= 60 and fixed[best][0].upper() == letters[0]:
            fixed[best] = letters.capitalize()
    return fixed


def _format(tokens: list[str], cased: bool) -> str | None:
    if not tokens:
        return None
    parsed = HumanName(" ".join(tokens))
    if not cased:
        parsed.capitalize(force=True)
    parts = [p for p in (parsed.first, parsed.middle, parsed.last) if p]
    return " ".join(parts) or None


def _agent_names(turns: list[Turn]) -> set[str]:
    names = set()
    for index, turn in enumerate(turns):
        if turn.speaker == AGENT:
            for match in _INTRO.finditer(turn.text):
                names.update(t.lower() for t in _name_tokens(turn.text[match.end():], cased=False, limit=1))
        elif index <= 3:
            vocative = _VOCATIVE.match(turn.text)
            if vocative:
                names.add(vocative.group(1).lower())
    return names


def extract_name(turns: list[Turn]) -> NameMatch | None:
    agents = _agent_names(turns)
    first: list[str] = []
    confidence = 0.0
    surname: list[str] = []
    spelled: list[str] = []
    asked = False
    for turn in turns:
        if turn.speaker == AGENT:
            asked = bool(_ASKS_NAME.search(turn.text))
            continue
        text = turn.text
        cased = any(c.isupper() for c in text)  # recognisers and transcribers differ: judge each turn
        spelled.extend(_spelled_words(text))
        found, strength = _caller_intro(text, cased, agents, answering=asked)
        if found and (len(found) > len(first) or not first):
            first, confidence = found, strength
        asked = False
        for match in _SURNAME.finditer(text):
            surname = _name_tokens(text[match.end():], cased, limit=2) or surname
        for match in _FIRST_NAME.finditer(text):
            given = _name_tokens(text[match.end():], cased, limit=1)
            if given and not first:
                first, confidence = given, 0.85
    if surname and first and surname[-1].lower() not in (t.lower() for t in first):
        first = [*first[:1], *surname]
    if not first:
        return None
    tokens = _apply_spelling(first, spelled)
    name = _format(tokens, any(c.isupper() for c in "".join(tokens)))
    if spelled:
        confidence = max(confidence, 0.95)
    return NameMatch(name, round(confidence if len(tokens) > 1 else min(confidence, 0.7), 2)) if name else None


def _caller_intro(text: str, cased: bool, agents: set[str], answering: bool) -> tuple[list[str], float]:
    best: list[str] = []
    strength = 0.0
    if answering:
        answer = re.sub(r"^\W*(?:(?:yeah|yes|sure|oh|um|uh|it's|its|this is|i'm|ok|okay|my name's|my name is)\b[\s,]*)*",
                        "", text, flags=re.I)
        tokens = _longer_restatement(answer, _name_tokens(answer, cased), cased)
        if tokens and tokens[0].lower() not in agents:
            return tokens, 0.85
    for match in _INTRO.finditer(text):
        cue = match.group(0).lower().strip()
        tokens = _name_tokens(text[match.end():], cased)
        if cue == "it's" and (not cased or len(tokens) < 2):  # "it's Arjun Mehta", not "it's Denver"
            continue
        tokens = _longer_restatement(text[match.end():], tokens, cased)
        if tokens and tokens[0].lower() not in agents and len(tokens) > len(best):
            best, strength = tokens, 0.9 if cue.startswith(("my name", "name")) else 0.8
    if not best and cased:
        bare = _BARE_NAME.match(text)
        if bare:
            tokens = _name_tokens(bare.group("name"), cased)
            if len(tokens) >= 2 and tokens[0].lower() not in agents:
                best, strength = tokens, 0.75
    return best, strength


def _longer_restatement(rest: str, tokens: list[str], cased: bool) -> list[str]:
    """ "Rob — Robert Lane" / "Tomás. Tomás Ibarra": the fuller form said right after wins."""
    if not tokens:
        return tokens
    after = rest.split(tokens[-1], 1)[-1] if tokens[-1] in rest else ""
    after = re.sub(r"^[\s,.;:—–-]*(?:uh|um|well|i mean|actually|sorry)?[\s,.;:—–-]*", "", after, flags=re.I)
    fuller = _name_tokens(after, cased)
    said = {t.lower() for t in tokens}
    if len(fuller) > len(tokens) and (fuller[0][0].lower() == tokens[0][0].lower()
                                      or said & {t.lower() for t in fuller} or len(fuller) >= 2):
        return fuller
    return tokens
