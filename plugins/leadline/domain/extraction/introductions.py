"""How a caller says their own name in one turn: an introduction ("my name's Rob, Robert Lane", "it's Arjun
Mehta", "Jordan Pike here with ListLoop") or an answer to "who am I speaking with?" ("Faith.", "Oh my God,
sorry. Tomás. Tomás Ibarra."), with the fuller form said right after and the given name on paper over a
nickname. names.py decides which turn is read this way."""

from __future__ import annotations

import re

from leadline.domain.extraction.name_tokens import name_tokens
from leadline.domain.extraction.spelling import spelled_surname
from leadline.domain.extraction.vocabulary import NOT_NAMES

INTRO = re.compile(r"\b(?:my name(?:'s| is)|(?<!her )(?<!his )(?<!their )name(?:'s| is)|this is|i'm|i am|"
                   r"you can call me|call me|it's)[\s,]+", re.I)
INTERJECTIONS = re.compile(r"^(?:\W*(?i:hi|hello|hey|yes|yeah|yep|oh|um|uh|okay|ok|great|sure|morning|good morning|"
                           r"good afternoon|good evening|hi there|sorry|well|right|so)\b)*\W*")
# "This is his mom, Tanisha Brooks" / "I'm her tía, Consuelo": who they are to someone, then their name.
_RELATION = re.compile(r"^(?:(?:his|her|their|the|your) [^\W\d_]+(?: [^\W\d_]+)?[,.]\s*)", re.I)
_FORMAL = re.compile(r"^[\s,.;:—–-]*(?:(?:well|actually|i mean|or)\b[\s,]*)?([A-Z][\w'’-]+)\b,?\s*"
                     r"(?:technically|officially|"
                     r"legally|formally|on paper|on my (?:license|id|passport)|but (?:everyone|everybody|people|"
                     r"most people|my friends) calls? me|but (?:i )?go by)", re.I)
SELF = 0.95  # "I'm his mom, Hamdi": the caller saying who they are, beside someone else's name


def answered_name(text: str, cased: bool) -> list[str]:
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


def introduction(text: str, cased: bool, agents: set[str], answering: bool,
                 addressed: set[str] = frozenset()) -> tuple[list[str], float]:
    """The name the caller gives for themself in `text` and how sure that reading is; `answering`: the agent
    just asked for it. `agents`: the agent's names, never the caller's; `addressed`: what the agent calls them."""
    best: list[str] = []
    strength = 0.0
    if answering:
        tokens = answered_name(text, cased)
        speaks_for_another = any(_RELATION.match(text[m.end():]) for m in INTRO.finditer(text))
        if tokens and tokens[0].lower() not in agents and not speaks_for_another:  # "Liban, he's 11. I'm his mom, …"
            return tokens, 0.85
    for match in INTRO.finditer(text):
        cue = match.group(0).lower().strip()
        rest = re.sub(r"^[\s,]*(?:(?:um|uh|er|well)[\s,]+)*", "", text[match.end():], flags=re.I)
        relation = _RELATION.match(rest)
        rest = rest[relation.end():] if relation else rest
        tokens = _formal_given(rest, _longer_restatement(rest, name_tokens(rest, cased), cased))
        if cue == "it's" and (not cased or (len(tokens) < 2 and not set(map(str.lower, tokens)) & addressed)):
            continue  # "it's Arjun Mehta", or "it's Dmitri" when the agent then calls them Dmitri; not "it's Denver"
        if tokens and tokens[0].lower() not in agents and len(tokens) > len(best):
            best, strength = tokens, SELF if relation else 0.9 if cue.startswith(("my name", "name")) else 0.8
    for sentence in re.split(r"(?<=[.!?])\s+", text) if not best and cased else ():
        best, strength = _formal_given(text, _leading_name(sentence, agents)), 0.75
        if best:
            break
    return best, strength


def _leading_name(text: str, agents: set[str]) -> list[str]:
    """ "Imani, hi, Lorraine Whitcombe." / "Great! Jordan Pike here with ListLoop." — a full name said on its
    own after the greeting (and the agent's name) is the caller introducing themself."""
    rest = INTERJECTIONS.sub("", text, count=1)
    for _ in range(2):
        first = re.match(r"([A-Z][\w'’-]+)\W+", rest)
        if first and first.group(1).lower() in agents:
            rest = INTERJECTIONS.sub("", rest[first.end():], count=1)
    tokens = name_tokens(rest, cased=True)
    after = rest[len(" ".join(tokens)):] if rest.startswith(" ".join(tokens)) else ""
    if len(tokens) >= 2 and tokens[0].lower() not in agents and re.match(r"\s*(?:[.,;—–-]|here\b|calling\b|from\b|"
                                                                           r"over\b|with\b)", after):
        return tokens
    return []


def _formal_given(rest: str, tokens: list[str]) -> list[str]:
    """ "Peggy Hollister. Well, Margaret, on paper." / "Gus Papadopoulos. Well, Konstantinos, but everyone calls
    me Gus.": the given name on paper goes to the CRM, not the nickname."""
    if not tokens or tokens[-1] not in rest:
        return tokens
    formal = _FORMAL.match(rest.split(tokens[-1], 1)[1])
    if formal and formal.group(1)[0].isupper() and formal.group(1).lower() not in NOT_NAMES:
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
