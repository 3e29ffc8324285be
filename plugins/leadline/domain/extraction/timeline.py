"""When the caller wants the work: their own phrase plus the bucket scoring uses. Named dates and months
("by mid-April", "before my lease ends in June") go through dateparser relative to the call's date;
seasons, holidays and relative phrases ("after the holidays", "in a couple of weeks") are a table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from leadline.domain.extraction.turns import AGENT, Turn
from leadline.domain.extraction.vocabulary import MONTHS, SEASON_STARTS

IMMEDIATE, WITHIN_MONTH, ONE_TO_THREE, EXPLORING = "immediate", "within_month", "1-3_months", "exploring"
_PHRASES: list[tuple[str, str]] = [
    (EXPLORING, r"just (?:getting|gathering|collecting|looking|shopping|pricing|exploring|curious|budgeting|"
                r"want(?:ing)? (?:a |some )?(?:quotes?|prices?|ballpark|numbers?|idea))[\w ]{0,20}|"
                r"no (?:rush|hurry|timeline)|not (?:in a|in any) (?:rush|hurry)|(?:a ways|way) off|"
                r"(?:next|the following) year|sometime next year|someday|down the road|"
                r"not (?:sure|certain) when|no (?:set|firm) (?:date|timeline)|(?:in|within) (?:six|6|nine|9|twelve|12)"
                r" months|(?:six|6) months (?:from now|out)|long[- ]term|planning ahead|early stages?|"
                r"pricing (?:it|things) out|for (?:the )?future|eventually|one day"),
    (IMMEDIATE, r"as soon as (?:possible|humanly possible|you can|we can)|asap|right away|right now|immediately|"
                r"today|tonight|tomorrow|this (?:week|weekend|afternoon|morning|evening)|urgent(?:ly)?|emergency|"
                r"the sooner the better|sooner rather than later|(?:in|within) (?:a|the next) (?:day|few days|couple "
                r"(?:of )?days)|(?:by|on|this|next) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                r"first thing|same day|as quick as|quickly as possible|(?:can't|cannot) wait|"
                r"need it (?:fixed|done) now|"
                r"flooding|no (?:heat|hot water|ac|air) (?:right now|at all)|in pain"),
    (WITHIN_MONTH, r"next week|(?:in|within|over) (?:the next )?"
                   r"(?:a|one|two|three|2|3|a couple(?: of)?|a few|couple|few)"
                   r"(?: or (?:two|three|four))? weeks?|this month|end of (?:the|this) month|within (?:a|the) month|"
                   r"(?:before|by) the end of the month|couple (?:of )?weeks|few weeks|two weeks|"
                   r"(?:later|sometime) this month"),
    (ONE_TO_THREE, r"next month|end of next month|(?:in|within|over) (?:the next )?"
                   r"(?:one|two|three|1|2|3|a couple(?: of)?|"
                   r"a few|couple|few)(?: or (?:two|three))? months|couple (?:of )?months|few months|"
                   r"(?:after|once|following) (?:the )?(?:holidays|new year)|first of the year|early next year|"
                   r"(?:this|next) quarter|60 days|90 days|sixty days|ninety days"),
]
_COMPILED = [(bucket, re.compile(rf"\b(?:{pattern})\b", re.I)) for bucket, pattern in _PHRASES]
_HOLIDAYS = {"christmas": (12, 25), "thanksgiving": (11, 26), "the holidays": (12, 20), "new year": (1, 1),
             "memorial day": (5, 27), "labor day": (9, 3), "july fourth": (7, 4), "fourth of july": (7, 4),
             "easter": (4, 5), "halloween": (10, 31), "spring break": (3, 15), "the end of the year": (12, 31),
             "end of the year": (12, 31), "year end": (12, 31), "the school year": (8, 20), "school starts": (8, 20)}
_DATE_HEAD = (r"(?:(?:by|before|in|around|until|for|on|after|starting|sometime in|late|early|mid|middle of|end of|"
              r"beginning of|the end of|the start of|the beginning of|first week of|last week of)[\s-]+){1,3}")
_DATE = re.compile(
    rf"\b{_DATE_HEAD}(?:(?:the\s+)?(?:this|next|coming)\s+)?(?P<what>{'|'.join(MONTHS)}|{'|'.join(SEASON_STARTS)}|"
    rf"{'|'.join(_HOLIDAYS)})(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?)?\b", re.I)
_BARE_SEASON = re.compile(rf"\b(?:this|next|the|in the|coming)\s+(?P<what>{'|'.join(SEASON_STARTS)})\b", re.I)


@dataclass(frozen=True)
class TimelineMatch:
    phrase: str
    bucket: str
    confidence: float


def bucket_for(days: int) -> str:
    if days <= 7:
        return IMMEDIATE
    if days <= 31:
        return WITHIN_MONTH
    if days <= 92:
        return ONE_TO_THREE
    return EXPLORING


def _next(call_date: date, month: int, day: int) -> date:
    candidate = date(call_date.year, month, min(day, 28))
    return candidate if candidate >= call_date - timedelta(days=15) else date(call_date.year + 1, month, min(day, 28))


def _dated(match: re.Match, call_date: date) -> int:
    what, phrase = match.group("what").lower(), match.group(0).lower()
    if what in MONTHS:
        day = int(match.group("day")) if match.group("day") else (
            5 if re.search(r"early|beginning|start|first week", phrase) else
            25 if re.search(r"late|end of|last week", phrase) else 15 if re.search(r"mid|middle|around", phrase)
            else 1)
        month = MONTHS.index(what) + 1
        target = _next(call_date, month, day)
        if "next" in phrase and target.year == call_date.year and month < call_date.month + 1:
            target = date(call_date.year + 1, month, target.day)
    elif what in SEASON_STARTS:
        target = _next(call_date, *SEASON_STARTS[what])
        if "next" in phrase and (target - call_date).days < 120:
            target = date(target.year + 1, target.month, target.day)
    else:
        target = _next(call_date, *_HOLIDAYS[what])
    days = (target - call_date).days
    if phrase.startswith("after"):
        days += 14
    return max(days, 0)


def _explicit_date(text: str, call_date: date) -> TimelineMatch | None:
    import dateparser

    day_of_month = r"\b(?:by|before|on|for)\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(\w+))?"
    for m in re.finditer(day_of_month, text, re.I):
        parsed = dateparser.parse(m.group(0).split(None, 1)[1], settings={
            "RELATIVE_BASE": _midnight(call_date), "PREFER_DATES_FROM": "future"})
        if parsed:
            return TimelineMatch(m.group(0), bucket_for((parsed.date() - call_date).days), 0.7)
    return None


def _midnight(day: date):
    from datetime import datetime

    return datetime(day.year, day.month, day.day)


# The agent asking when: the caller's next turn is the timeline, ahead of times said in passing.
_ASKS_WHEN = re.compile(r"\bwhen (?:were|are|would|do|did) you (?:thinking|looking|hoping|wanting|want|like|need)|"
                        r"how soon|timeline|time ?frame|when (?:do|would) you (?:need|want|like)|when (?:is|was) "
                        r"(?:good|best)|what kind of time|any (?:rush|deadline)|when (?:should|can) we", re.I)
# "it started this morning", "since last week", "we moved here in June": when the problem began, not the job.
_PAST = re.compile(r"\b(?:started|starting|began|since|happened|noticed|came out|came in|went out|broke|quit|died|"
                   r"stopped|installed|bought|moved|got back|last)\b[^.?!]{0,20}$", re.I)


def extract_timeline(turns: list[Turn], call_date: date) -> TimelineMatch | None:
    """The caller's timing: in their answer to the agent's "when?" first; else the time they say they want
    the work ("ideally by ...", "... would be great") over one said in passing, the first among equals.
    Agent turns (when given) only tell where the question was."""
    said = [t for t in turns if t.speaker != AGENT]
    answers = [t for previous, t in zip(turns, turns[1:], strict=False)
               if previous.speaker == AGENT and t.speaker != AGENT and _ASKS_WHEN.search(previous.text)]
    for turn in answers:
        found = _best(_hits(turn.text, call_date))
        if found:
            return found[1]
    scored = [hit for order, turn in enumerate(said) for hit in _hits(turn.text, call_date, order)]
    if scored:
        return _best(scored)[1]
    return next(filter(None, (_explicit_date(t.text, call_date) for t in said)), None)


_WANTED = re.compile(r"\b(?:by|before|need|needs|want|wanted|like|hoping|hope|ideally|sometime|probably|maybe|"
                     r"could|can you|whenever|prefer|planning|plan|thinking|looking to|would be)\b[^.?!]{0,20}$", re.I)
_WANTED_AFTER = re.compile(r"^[^.?!]{0,12}\b(?:if (?:possible|you can|at all possible)|would be (?:great|good|ideal|"
                           r"amazing|perfect)|works|is fine|at the latest|latest)\b", re.I)


def _hits(text: str, call_date: date, order: int = 0) -> list[tuple[tuple[int, int, int], TimelineMatch]]:
    """Every timing phrase in `text` ranked by (wanted or not, turn order, place); none told as the past."""
    hits: list[tuple[int, TimelineMatch]] = []
    for bucket, pattern in _COMPILED:
        hits.extend((m.start(), TimelineMatch(m.group(0), bucket, 0.8)) for m in pattern.finditer(text))
    for m in _DATE.finditer(text):
        hits.append((m.start(), TimelineMatch(m.group(0), bucket_for(_dated(m, call_date)), 0.75)))
    for m in _BARE_SEASON.finditer(text):
        if not any(start <= m.start() < start + len(t.phrase) + 10 for start, t in hits):
            hits.append((m.start(), TimelineMatch(m.group(0), bucket_for(_dated(m, call_date)), 0.7)))
    ranked = []
    for start, hit in hits:
        if _PAST.search(text[:start]):
            continue
        wanted = bool(_WANTED.search(text[:start]) or _WANTED_AFTER.match(text[start + len(hit.phrase):]))
        ranked.append(((0 if wanted else 1, order, start), hit))
    return ranked


def _best(ranked: list[tuple[tuple[int, int, int], TimelineMatch]]) -> tuple | None:
    return min(ranked, key=lambda item: item[0]) if ranked else None
