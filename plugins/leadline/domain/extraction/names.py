"""The caller's name: what the caller says about themself ("my name's Rob, Robert Lane", an answer to
"who am I speaking with?"), never the agent's greeting ("this is Pat") nor the name the caller greets
("Hi Sam"). Spelled names ("L-A-N-E", "K as in kilo") fix the spelling; nameparser drops titles and
capitalises names heard in lower case ("o'malley" -> "O'Malley")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nameparser import HumanName

from leadline.domain.extraction.heard_names import repair
from leadline.domain.extraction.name_tokens import STOPWORDS, name_tokens
from leadline.domain.extraction.spelling import apply_spelling, spelled_surname, spelled_words
from leadline.domain.extraction.turns import AGENT, Turn

_INTRO = re.compile(r"\b(?:my name(?:'s| is)|(?<!her )(?<!his )(?<!their )name(?:'s| is)|this is|i'm|i am|"
                    r"you can call me|call me|it's)[\s,]+", re.I)
_SURNAME = re.compile(r"\b(?:last name(?:'s| is)?|surname(?:'s| is)?|family name(?:'s| is)?)\s*(?:is\s+)?", re.I)
_FIRST_NAME = re.compile(r"\bfirst name(?:'s| is)?\s*(?:is\s+)?", re.I)
_ASKS_NAME = re.compile(r"\bname\?|^\W*name\b|\bname, (?:phone|number|e-?mail|and)\b|"
                        r"\b(?:your (?:full |first |last )?name|talking (?:with|to)|a name\b|"
                        r"name for (?:the|this)|"
                        r"who do i have|who's this|who is this|may i ask who|who am i speaking|"
                        r"who i'm speaking|get a name|who's calling|"
                        r"who is calling|and you are)\b", re.I)
_VOCATIVE = re.compile(r"^\W*(?i:hi|hello|hey|thanks|thank you|morning|good morning|good afternoon)[, ]+"
                       r"([A-Z][\w'’-]+)")
# "Let me check, Dmitri." / "Best number, Hunter?": the agent calling the caller by name.
_ADDRESSED = re.compile(r",\s+([A-Z][\w'’-]+)[.?!]")
_SPEAKING = re.compile(r"\b([A-Z][\w'’-]+) (?:speaking|here)\b")

_INTERJECTIONS = re.compile(r"^(?:\W*(?i:hi|hello|hey|yes|yeah|yep|oh|um|uh|okay|ok|great|sure|morning|good morning|"
                            r"good afternoon|good evening|hi there|sorry|well|right|so)\b)*\W*")
_ASKS_PLACE = re.compile(r"\b(?:where|located|address|area|city|zip|neighborhood|what part)\b", re.I)
# An answer to these is an address or a number ("G Peralta Mesa, no spaces, at gmail"), not who is calling.
_ASKS_CONTACT = re.compile(r"\b(?:your|best|good|an?|callback|what's the|what is the)\s+(?:e-?mail|phone|number|"
                           r"callback|cell)\b|\be-?mail\?", re.I)
_ASKS_SURNAME = re.compile(r"\b(?:last name|surname|family name)\b", re.I)
# "This is his mom, Tanisha Brooks" / "I'm her tía, Consuelo": who they are to someone, then their name.
_RELATION = re.compile(r"^(?:(?:his|her|their|the|your) [^\W\d_]+(?: [^\W\d_]+)?[,.]\s*)", re.I)
_SURNAME_FIRST = re.compile(r"\b([A-Z][\w'’-]+)(?:'s| is) (?:the|my) last name")  # "Cheng's the last name"
_ASKS_GIVEN = re.compile(r"\bfirst name\b", re.I)
_SELF = 0.95  # "I'm his mom, Hamdi": the caller saying who they are, beside someone else's name


@dataclass(frozen=True)
class NameMatch:
    name: str
    confidence: float


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
                names.update(t.lower() for t in name_tokens(turn.text[match.end():], cased=False, limit=1))
            names.update(m.group(1).lower() for m in _SPEAKING.finditer(turn.text))
        elif index <= 3:
            vocative = _VOCATIVE.match(turn.text)
            if vocative:
                names.add(vocative.group(1).lower())
    return names


def extract_name(turns: list[Turn]) -> NameMatch | None:
    agents = _agent_names(turns)
    addressed = {m.group(1).lower() for t in turns if t.speaker == AGENT for m in _ADDRESSED.finditer(t.text)}
    first: list[str] = []
    confidence = 0.0
    surname: list[str] = []
    spelled: list[str] = []
    said_with_name: list[str] = []
    asked = place_asked = surname_asked = given_asked = False
    named_at = -1
    for index, turn in enumerate(turns):
        if turn.speaker == AGENT:
            asked = bool(_ASKS_NAME.search(turn.text))
            surname_asked = bool(_ASKS_SURNAME.search(turn.text)) and bool(first)
            given_asked = bool(_ASKS_GIVEN.search(turn.text)) and len(first) == 1
            place_asked = (bool(_ASKS_PLACE.search(turn.text)) or bool(_ASKS_CONTACT.search(turn.text))) and not asked
            continue
        if place_asked:  # "Daly City." answers where, not who
            place_asked = False
            continue
        text = turn.text
        if surname_asked:  # "Faith." "And your last name?" "Abernathy."
            surname_asked = asked = False
            surname = name_tokens(re.sub(r"^\W*(?:(?:it's|its|yeah|yes|sure|um|uh)\b\W*)*", "", text, flags=re.I),
                                   any(c.isupper() for c in text), limit=2) or surname
            spelled.extend(spelled_words(text))
            continue
        cased = any(c.isupper() for c in text)  # recognisers and transcribers differ: judge each turn
        if given_asked:  # "This is Mrs. Okafor." "May I have your first name?" "Ngozi."
            given_asked = asked = False
            given = _answer_tokens(text, cased)[:1]
            if given and given[0].lower() != first[0].lower():
                first = [given[0], *first]
            spelled.extend(spelled_words(text))
            continue
        spelled_here = spelled_words(text)
        spelled.extend(spelled_here)
        found, strength = _caller_intro(text, cased, agents, answering=asked, addressed=addressed)
        longer = len(found) > len(first) or (len(found) == len(first) and strength > confidence)
        if found and (not first or strength >= _SELF or (confidence < _SELF and longer)):
            first, confidence, said_with_name, named_at = found, strength, spelled_here, index
        asked = False
        for match in _SURNAME.finditer(text):
            surname = name_tokens(text[match.end():].lstrip(" ,:—–-"), cased, limit=2) or surname
        surname = [m.group(1) for m in _SURNAME_FIRST.finditer(text)][-1:] or surname
        for match in _FIRST_NAME.finditer(text):
            given = name_tokens(text[match.end():], cased, limit=1)
            if given and not first:
                first, confidence = given, 0.85
            elif given and len(first) == 1 and first[0].lower() != given[0].lower():  # "Baek. First name Do-hyun."
                first, surname, confidence = given, surname or first, 0.85
    if surname and first and surname[-1].lower() not in (t.lower() for t in first):
        first = [*first[:1], *surname]
    first = _surname_said_later(turns, _read_back(turns, named_at, first), agents)
    if not first:
        return None
    tokens, spelled_out = apply_spelling(repair(first, turns, named_at, spelled), spelled, said_with_name)
    name = _format(tokens, any(c.isupper() for c in "".join(tokens)))
    if spelled_out:
        confidence = max(confidence, 0.95)
    return NameMatch(name, round(confidence if len(tokens) > 1 else min(confidence, 0.7), 2)) if name else None


def _surname_said_later(turns: list[Turn], tokens: list[str], agents: set[str]) -> list[str]:
    """ "My name's Derek, I'm with FlowMark." ... "Derek Halvorsen, H-A-L-V-O-R-S-E-N.": a lone first name
    said again with a surname."""
    if len(tokens) != 1:
        return tokens
    for turn in turns:
        if turn.speaker == AGENT:
            continue
        for match in re.finditer(rf"\b{re.escape(tokens[0])}\s+([A-Z][\w'’-]+)", turn.text):
            if match.group(1).lower() not in STOPWORDS and match.group(1).lower() not in agents:
                return [tokens[0], match.group(1)]
    return tokens


def _read_back(turns: list[Turn], named_at: int, tokens: list[str]) -> list[str]:
    """ "Miller. Rose." "Rose Miller. And phone?": the agent's read-back right after the caller's name puts a
    name said in pieces in order, when it holds every word the caller said."""
    reply = turns[named_at + 1] if 0 <= named_at < len(turns) - 1 else None
    if reply is None or reply.speaker != AGENT or not tokens:
        return tokens
    echoed = name_tokens(_INTERJECTIONS.sub("", reply.text, count=1), cased=True)
    said = {t.lower() for t in tokens}
    if len(echoed) > len(tokens) and said <= {t.lower() for t in echoed}:
        return echoed
    return tokens


def _answer_tokens(text: str, cased: bool) -> list[str]:
    """The name in an answer to "your name?": the first sentence that holds one, past "Oh my God, sorry."."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    for index, sentence in enumerate(sentences):
        answer = re.sub(r"^\W*(?:(?:yeah|yes|sure|oh|um|uh|sorry|it's|its|this is|i'm|ok|okay|"
                        r"(?:my )?(?:full |first )?name(?:'s| is))\b[\s,.!—–-]*)*", "", sentence, flags=re.I)
        tokens = _longer_restatement(answer, name_tokens(answer, cased), cased)
        if tokens:
            rest = " ".join(sentences[index:])
            tokens = _formal_given(rest, _longer_restatement(rest, tokens, cased))
            return tokens + spelled_surname(sentences[index + 1:]) if len(tokens) == 1 else tokens
    return []


def _caller_intro(text: str, cased: bool, agents: set[str], answering: bool,
                  addressed: set[str] = frozenset()) -> tuple[list[str], float]:
    best: list[str] = []
    strength = 0.0
    if answering:
        tokens = _answer_tokens(text, cased)
        speaks_for_another = any(_RELATION.match(text[m.end():]) for m in _INTRO.finditer(text))
        if tokens and tokens[0].lower() not in agents and not speaks_for_another:  # "Liban, he's 11. I'm his mom, …"
            return tokens, 0.85
    for match in _INTRO.finditer(text):
        cue = match.group(0).lower().strip()
        rest = re.sub(r"^[\s,]*(?:(?:um|uh|er|well)[\s,]+)*", "", text[match.end():], flags=re.I)
        relation = _RELATION.match(rest)
        rest = rest[relation.end():] if relation else rest
        tokens = _formal_given(rest, _longer_restatement(rest, name_tokens(rest, cased), cased))
        if cue == "it's" and (not cased or (len(tokens) < 2 and not set(map(str.lower, tokens)) & addressed)):
            continue  # "it's Arjun Mehta", or "it's Dmitri" when the agent then calls them Dmitri; not "it's Denver"
        if tokens and tokens[0].lower() not in agents and len(tokens) > len(best):
            best, strength = tokens, _SELF if relation else 0.9 if cue.startswith(("my name", "name")) else 0.8
    for sentence in re.split(r"(?<=[.!?])\s+", text) if not best and cased else ():
        best, strength = _formal_given(text, _leading_name(sentence, agents)), 0.75
        if best:
            break
    return best, strength


def _leading_name(text: str, agents: set[str]) -> list[str]:
    """ "Imani, hi, Lorraine Whitcombe." / "Great! Jordan Pike here with ListLoop." — a full name said on its
    own after the greeting (and the agent's name) is the caller introducing themself."""
    rest = _INTERJECTIONS.sub("", text, count=1)
    for _ in range(2):
        first = re.match(r"([A-Z][\w'’-]+)\W+", rest)
        if first and first.group(1).lower() in agents:
            rest = _INTERJECTIONS.sub("", rest[first.end():], count=1)
    tokens = name_tokens(rest, cased=True)
    after = rest[len(" ".join(tokens)):] if rest.startswith(" ".join(tokens)) else ""
    if len(tokens) >= 2 and tokens[0].lower() not in agents and re.match(r"\s*(?:[.,;—–-]|here\b|calling\b|from\b|"
                                                                           r"over\b|with\b)", after):
        return tokens
    return []


_FORMAL = re.compile(r"^[\s,.;:—–-]*(?:(?:well|actually|i mean|or)\b[\s,]*)?([A-Z][\w'’-]+)\b,?\s*"
                     r"(?:technically|officially|"
                     r"legally|formally|on paper|on my (?:license|id|passport)|but (?:everyone|everybody|people|"
                     r"most people|my friends) calls? me|but (?:i )?go by)", re.I)


def _formal_given(rest: str, tokens: list[str]) -> list[str]:
    """ "Peggy Hollister. Well, Margaret, on paper." / "Gus Papadopoulos. Well, Konstantinos, but everyone calls
    me Gus.": the given name on paper goes to the CRM, not the nickname."""
    if not tokens or tokens[-1] not in rest:
        return tokens
    formal = _FORMAL.match(rest.split(tokens[-1], 1)[1])
    if formal and formal.group(1)[0].isupper() and formal.group(1).lower() not in STOPWORDS:
        return [formal.group(1), *tokens[1:]]
    return tokens


def _longer_restatement(rest: str, tokens: list[str], cased: bool) -> list[str]:
    """ "Rob — Robert Lane" / "Tomás. Tomás Ibarra": the fuller form said right after wins."""
    if not tokens:
        return tokens
    after = rest.split(tokens[-1], 1)[-1] if tokens[-1] in rest else ""
    after = re.sub(r"^[\s,.;:—–-]*(?:uh|um|well|i mean|actually|sorry)?[\s,.;:—–-]*", "", after, flags=re.I)
    fuller = name_tokens(after, cased)
    said = {t.lower() for t in tokens}
    if len(fuller) > len(tokens) and (fuller[0][0].lower() == tokens[0][0].lower()
                                      or said & {t.lower() for t in fuller} or len(fuller) >= 2):
        return fuller
    return tokens
