"""The caller's name: what the caller says about themself ("my name's Rob, Robert Lane", an answer to
"who am I speaking with?"), never the agent's greeting ("this is Pat") nor the name the caller greets
("Hi Sam"). Spelled names ("L-A-N-E", "K as in kilo") fix the spelling; nameparser drops titles and
capitalises names heard in lower case ("o'malley" -> "O'Malley").

The rules are two tables: what the agent asks decides how the caller's next turn is read (`_QUESTIONS`); cue
words in the caller's own turn say where a part of the name is (`_CUES`). A new rule is one row."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nameparser import HumanName

from leadline.domain.extraction.heard_names import repair
from leadline.domain.extraction.introductions import INTERJECTIONS, INTRO, SELF, answered_name, introduction
from leadline.domain.extraction.name_tokens import name_tokens
from leadline.domain.extraction.spelling import apply_spelling, spelled_words
from leadline.domain.extraction.turns import AGENT, Turn
from leadline.domain.extraction.vocabulary import NOT_NAMES

_ASKS_NAME = re.compile(r"\bname\?|^\W*name\b|\bname, (?:phone|number|e-?mail|and)\b|"
                        r"\b(?:your (?:full |first |last )?name|talking (?:with|to)|a name\b|"
                        r"name for (?:the|this)|"
                        r"who do i have|who's this|who is this|may i ask who|who am i speaking|"
                        r"who i'm speaking|get a name|who's calling|"
                        r"who is calling|and you are)\b", re.I)
# An answer to these is a place or a number ("Daly City.", "G Peralta Mesa, no spaces, at gmail"), not who is calling.
_ASKS_PLACE_OR_CONTACT = re.compile(r"\b(?:where|located|address|area|city|zip|neighborhood|what part)\b|"
                                    r"\b(?:your|best|good|an?|callback|what's the|what is the)\s+(?:e-?mail|phone|"
                                    r"number|callback|cell)\b|\be-?mail\?", re.I)
_ASKS_SURNAME = re.compile(r"\b(?:last name|surname|family name)\b", re.I)
_ASKS_GIVEN = re.compile(r"\bfirst name\b", re.I)
_SAYS_SURNAME = re.compile(r"\b(?:last name(?:'s| is)?|surname(?:'s| is)?|family name(?:'s| is)?)\s*(?:is\s+)?", re.I)
_SAYS_SURNAME_FIRST = re.compile(r"\b([A-Z][\w'’-]+)(?:'s| is) (?:the|my) last name")  # "Cheng's the last name"
_SAYS_GIVEN = re.compile(r"\bfirst name(?:'s| is)?\s*(?:is\s+)?", re.I)
_VOCATIVE = re.compile(r"^\W*(?i:hi|hello|hey|thanks|thank you|morning|good morning|good afternoon)[, ]+"
                       r"([A-Z][\w'’-]+)")
# "Let me check, Dmitri." / "Best number, Hunter?": the agent calling the caller by name.
_ADDRESSED = re.compile(r",\s+([A-Z][\w'’-]+)[.?!]")
_SPEAKING = re.compile(r"\b([A-Z][\w'’-]+) (?:speaking|here)\b")
_CUED = 0.85  # a name part said after its cue ("first name Piotr")


@dataclass(frozen=True)
class NameMatch:
    name: str
    confidence: float


@dataclass
class _Heard:
    """What the call has told about the caller's name so far."""

    agents: set[str]  # the agent's own names and the ones the caller greets: never the caller's
    addressed: set[str]  # what the agent calls the caller ("Let me check, Dmitri.")
    words: list[str] = field(default_factory=list)  # the name as said, given name first
    confidence: float = 0.0
    surname: list[str] = field(default_factory=list)  # said apart ("last name Grabowski")
    spelled: list[str] = field(default_factory=list)  # every spelling the caller said, in order
    spelled_with_name: list[str] = field(default_factory=list)  # the spellings said in the same turn as the name
    named_at: int = -1  # the caller's turn that gave the name

    def offer(self, words: list[str], strength: float, spelled_here: list[str], index: int) -> None:
        """A reading of the name: it replaces the one held when it is the first, the caller speaking of
        themself, or longer (or as long and surer) than a reading that was not."""
        longer = len(words) > len(self.words) or (len(words) == len(self.words) and strength > self.confidence)
        if words and (not self.words or strength >= SELF or (self.confidence < SELF and longer)):
            self.words, self.confidence, self.spelled_with_name, self.named_at = words, strength, spelled_here, index


def _cased(text: str) -> bool:
    """Recognisers and transcribers differ in capitals: each turn is judged on its own."""
    return any(c.isupper() for c in text)


def _read_turn(heard: _Heard, text: str, index: int, answering: bool = False) -> None:
    """A caller's turn that no question about the name is waiting on, or that answers "your name?"."""
    cased = _cased(text)
    spelled_here = spelled_words(text)
    heard.spelled.extend(spelled_here)
    heard.offer(*introduction(text, cased, heard.agents, answering, heard.addressed), spelled_here, index)
    for cue, read in _CUES:
        for match in cue.finditer(text):
            read(heard, match, cased)


def _answers_name(heard: _Heard, text: str, index: int) -> None:
    _read_turn(heard, text, index, answering=True)


def _answers_elsewhere(heard: _Heard, text: str, index: int) -> None:
    """A place or an address: nothing in it is the caller's name."""


def _answers_surname(heard: _Heard, text: str, index: int) -> None:
    answer = re.sub(r"^\W*(?:(?:it's|its|yeah|yes|sure|um|uh)\b\W*)*", "", text, flags=re.I)
    heard.surname = name_tokens(answer, _cased(text), limit=2) or heard.surname
    heard.spelled.extend(spelled_words(text))


def _answers_given(heard: _Heard, text: str, index: int) -> None:
    given = answered_name(text, _cased(text))[:1]
    if given and given[0].lower() != heard.words[0].lower():
        heard.words = [given[0], *heard.words]
    heard.spelled.extend(spelled_words(text))


def _surname_after(heard: _Heard, cue: re.Match, cased: bool) -> None:
    heard.surname = name_tokens(cue.string[cue.end():].lstrip(" ,:—–-"), cased, limit=2) or heard.surname


def _surname_before(heard: _Heard, cue: re.Match, cased: bool) -> None:
    heard.surname = [cue.group(1)]


def _given_after(heard: _Heard, cue: re.Match, cased: bool) -> None:
    given = name_tokens(cue.string[cue.end():], cased, limit=1)
    if given and not heard.words:
        heard.words, heard.confidence = given, _CUED
    elif given and len(heard.words) == 1 and heard.words[0].lower() != given[0].lower():  # "Baek. First name Do-hyun."
        heard.words, heard.surname, heard.confidence = given, heard.surname or heard.words, _CUED


@dataclass(frozen=True)
class _Question:
    """An agent's question, when it counts, and how the caller's next turn is read as its answer."""

    asks: re.Pattern
    read_answer: Callable[[_Heard, str, int], None]
    counts: Callable[[_Heard, str], bool] = lambda heard, question: True

    def asked_in(self, heard: _Heard, question: str) -> bool:
        return bool(self.asks.search(question)) and self.counts(heard, question)


# "Faith." "And your last name?" "Abernathy."
_SURNAME_QUESTION = _Question(_ASKS_SURNAME, _answers_surname, lambda heard, _: bool(heard.words))
# "This is Mrs. Okafor." "May I have your first name?" "Ngozi."
_GIVEN_QUESTION = _Question(_ASKS_GIVEN, _answers_given, lambda heard, _: len(heard.words) == 1)
# One agent turn may ask several things ("Where are you located, and your last name?"): the caller's next turns
# answer them in this order, one turn each.
_QUESTIONS = (
    _Question(_ASKS_PLACE_OR_CONTACT, _answers_elsewhere, lambda _, question: not _ASKS_NAME.search(question)),
    _SURNAME_QUESTION,
    _GIVEN_QUESTION,
    # "And your last name?" asks for the name too; its answer is the surname, not a whole name.
    _Question(_ASKS_NAME, _answers_name,
              lambda heard, question: not any(q.asked_in(heard, question) for q in (_SURNAME_QUESTION,
                                                                                      _GIVEN_QUESTION))),
)
# Cue words in the caller's own turn and how the words at them are read, in this order, after the introduction.
_CUES: tuple[tuple[re.Pattern, Callable[[_Heard, re.Match, bool], None]], ...] = (
    (_SAYS_SURNAME, _surname_after),  # "Last name is Grabowski, G-R-A-B-O-W-S-K-I."
    (_SAYS_SURNAME_FIRST, _surname_before),  # "Cheng's the last name."
    (_SAYS_GIVEN, _given_after),  # "Baek. B-A-E-K. First name Do-hyun."
)


def extract_name(turns: list[Turn]) -> NameMatch | None:
    heard = _Heard(_agent_names(turns),
                   {m.group(1).lower() for t in turns if t.speaker == AGENT for m in _ADDRESSED.finditer(t.text)})
    waiting: list[_Question] = []
    for index, turn in enumerate(turns):
        if turn.speaker == AGENT:
            waiting = [q for q in _QUESTIONS if q.asked_in(heard, turn.text)]
        elif waiting:
            waiting.pop(0).read_answer(heard, turn.text, index)
        else:
            _read_turn(heard, turn.text, index)
    return _settled(heard, turns)


def _settled(heard: _Heard, turns: list[Turn]) -> NameMatch | None:
    """The name as the CRM gets it: the surname said apart joined on, put in order by the agent's read-back,
    repaired and spelled as the caller spelled it, and how sure that is."""
    words = heard.words
    if heard.surname and words and heard.surname[-1].lower() not in (t.lower() for t in words):
        words = [*words[:1], *heard.surname]
    words = _surname_said_later(turns, _read_back(turns, heard.named_at, words), heard.agents)
    if not words:
        return None
    tokens, spelled_out = apply_spelling(repair(words, turns, heard.named_at, heard.spelled), heard.spelled,
                                         heard.spelled_with_name)
    name = _format(tokens, any(c.isupper() for c in "".join(tokens)))
    confidence = max(heard.confidence, 0.95) if spelled_out else heard.confidence
    return NameMatch(name, round(confidence if len(tokens) > 1 else min(confidence, 0.7), 2)) if name else None


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
            for match in INTRO.finditer(turn.text):
                names.update(t.lower() for t in name_tokens(turn.text[match.end():], cased=False, limit=1))
            names.update(m.group(1).lower() for m in _SPEAKING.finditer(turn.text))
        elif index <= 3:
            vocative = _VOCATIVE.match(turn.text)
            if vocative:
                names.add(vocative.group(1).lower())
    return names


def _surname_said_later(turns: list[Turn], tokens: list[str], agents: set[str]) -> list[str]:
    """ "My name's Derek, I'm with FlowMark." ... "Derek Halvorsen, H-A-L-V-O-R-S-E-N.": a lone first name
    said again with a surname."""
    if len(tokens) != 1:
        return tokens
    for turn in turns:
        if turn.speaker == AGENT:
            continue
        for match in re.finditer(rf"\b{re.escape(tokens[0])}\s+([A-Z][\w'’-]+)", turn.text):
            if match.group(1).lower() not in NOT_NAMES and match.group(1).lower() not in agents:
                return [tokens[0], match.group(1)]
    return tokens


def _read_back(turns: list[Turn], named_at: int, tokens: list[str]) -> list[str]:
    """ "Miller. Rose." "Rose Miller. And phone?": the agent's read-back right after the caller's name puts a
    name said in pieces in order, when it holds every word the caller said."""
    reply = turns[named_at + 1] if 0 <= named_at < len(turns) - 1 else None
    if reply is None or reply.speaker != AGENT or not tokens:
        return tokens
    echoed = name_tokens(INTERJECTIONS.sub("", reply.text, count=1), cased=True)
    said = {t.lower() for t in tokens}
    if len(echoed) > len(tokens) and said <= {t.lower() for t in echoed}:
        return echoed
    return tokens
