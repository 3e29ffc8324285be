"""Names as a speech recogniser writes them from phone audio, put back together: "Daniel H. Wang" for
"Daniel Hwang", "White Chan, W-E-I-C-H-E-N" for "Wei Chen", "Pre-uracanathan, R-A-G-H-U-N-A-T-H-A-N"
(then the agent's "Thank you, Priya") for "Priya Raghunathan". Each repair needs a second piece of evidence
said in the call (a spelling, an address, the agent's thanks); without one the name stays as heard."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from leadline.domain.extraction.turns import AGENT, Turn

_THANKS = re.compile(r"^\W*(?i:thank you|thanks|got it|great|perfect|okay|ok)[,!.]?\s+([A-Z][\w'’]+)\b")
_RUN_TOGETHER = 70  # how alike the end of a run-together word and the surname spelled with it must be


def _letters(word: str) -> str:
    return re.sub(r"[^A-Za-z]", "", word).upper()


def joined_initial(tokens: list[str], said: str) -> list[str]:
    """ "Daniel H. Wang" ... "dhwang at comcast": an initial before a surname is the surname's first sound
    split off ("Hwang") when the caller says the two run together elsewhere; otherwise a middle initial."""
    words = {_letters(w) for w in re.findall(r"[\w'’-]+", said)}
    for index, token in enumerate(tokens[:-1]):
        joined = _letters(token + tokens[index + 1])
        if len(_letters(token)) == 1 and any(joined in w for w in words if w != _letters(tokens[index + 1])):
            return [*tokens[:index], token.rstrip(".") + tokens[index + 1].lower(), *tokens[index + 2:]]
    return tokens


def whole_name_spelled(tokens: list[str], spelled: list[str]) -> list[str]:
    """ "White Chan, W-E-I-C-H-E-N": one spelling that runs two of the name's words together spells both;
    it is cut where its second part starts with the second word's letter and both parts sound most alike."""
    for letters in spelled:
        for index in range(len(tokens) - 1):
            first, second = _letters(tokens[index]), _letters(tokens[index + 1])
            if not first or not second or letters in (first, second):
                continue
            cuts = [(fuzz.ratio(first, letters[:cut]) + fuzz.ratio(second, letters[cut:]), cut)
                    for cut in range(2, len(letters) - 1)
                    if letters[0] == first[0] and letters[cut] == second[0]]
            score, cut = max(cuts, default=(0, 0))
            if score >= 100 and 0.6 <= len(letters) / len(first + second) <= 1.5:
                pieces = [letters[:cut].capitalize(), letters[cut:].capitalize()]
                return [*tokens[:index], *pieces, *tokens[index + 2:]]
    return tokens


def run_together(tokens: list[str], spelled: list[str], reply: Turn | None) -> list[str]:
    """ "Pre-uracanathan, R-A-G-H-U-N-A-T-H-A-N." "Thank you, Priya.": given name and surname heard as one
    word; the spelling said with it is the surname and the agent's thanks holds the given name."""
    if len(tokens) != 1 or "-" not in tokens[0].strip("-") or reply is None or reply.speaker != AGENT:
        return tokens
    head, tail = tokens[0].split("-", 1)
    thanked = _THANKS.match(reply.text)
    if not thanked or thanked.group(1)[0].lower() != head[:1].lower():
        return tokens
    surname = next((s for s in spelled if fuzz.ratio(_letters(tail), s) >= _RUN_TOGETHER), None)
    return [thanked.group(1), surname.capitalize()] if surname else tokens


def repair(tokens: list[str], turns: list[Turn], named_at: int, spelled: list[str]) -> list[str]:
    """The name's words after the recogniser's splits and joins are undone (`named_at`: the caller's turn that
    gave the name)."""
    said = " ".join(t.text for t in turns if t.speaker != AGENT)
    reply = turns[named_at + 1] if 0 <= named_at < len(turns) - 1 else None
    return whole_name_spelled(run_together(joined_initial(tokens, said), spelled, reply), spelled)
