"""Spoken numbers as digits, for phones and budgets. text2num (alpha2digit) does the cardinals
("twelve thousand five hundred" -> 12500, "four fifteen" -> "4 15"); what it leaves alone is handled
here: "oh" for zero inside a digit run, "double"/"triple", and digit words next to digits."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_REPEAT = {"double": 2, "triple": 3}
_TOKEN = re.compile(r"\d+|[a-z]+(?:'[a-z]+)?|\S")


def _is_digitish(token: str | None) -> bool:
    return token is not None and (token.isdigit() or (token in DIGIT_WORDS and token not in ("o", "oh")))


def spoken_digits(text: str) -> str:
    """Lowercased text with digit runs as digits: "four one five, double five, oh one" -> "4 1 5, 5 5, 0 1"."""
    tokens = _TOKEN.findall(re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower()))  # "forty-five"
    out: list[str] = []
    for i, token in enumerate(tokens):
        previous, following = _neighbour(tokens, i, -1), _neighbour(tokens, i, 1)
        if token in _REPEAT and following is not None and (following.isdigit() and len(following) == 1
                                                          or following in DIGIT_WORDS):
            out.append(" ".join([DIGIT_WORDS.get(following, following)] * (_REPEAT[token] - 1)))
        elif token in ("oh", "o") and (_is_digitish(previous) or _is_digitish(following) or previous in _REPEAT
                                       or following in _REPEAT):
            out.append("0")
        else:
            out.append(token)
    joined = _rejoin(out)
    converted = alpha2digit(joined, "en")
    # alpha2digit leaves single isolated digit words; inside a run of digits they are digits too.
    tokens = _TOKEN.findall(converted)
    for i, token in enumerate(tokens):
        if token in DIGIT_WORDS and token not in ("o", "oh") and (
                _digit_near(tokens, i, -1) or _digit_near(tokens, i, 1)):
            tokens[i] = DIGIT_WORDS[token]
    return _rejoin(tokens)


def _neighbour(tokens: list[str], index: int, step: int) -> str | None:
    """The next token that is not a "-" or "," between digits ("5-1-O" is 5, 1, 0)."""
    j = index + step
    while 0 <= j < len(tokens) and tokens[j] in ("-", ","):
        j += step
    return tokens[j] if 0 <= j < len(tokens) else None


def _digit_near(tokens: list[str], index: int, step: int) -> bool:
    j = index + step
    while 0 <= j < len(tokens) and tokens[j] in (",", "-", "."):
        j += step
    return 0 <= j < len(tokens) and (tokens[j].isdigit() or tokens[j] in DIGIT_WORDS and tokens[j] not in ("o", "oh"))


def _rejoin(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return re.sub(r" ([,.?!;:])", r"\1", text)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)
