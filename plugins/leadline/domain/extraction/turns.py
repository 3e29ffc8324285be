"""Who said what. The caller's details are what the caller says: stereo recordings and diarization label
each segment; a plain transcript is split into utterances and attributed by conversational structure
(the agent answers with the business name, offers help and asks for details; the caller answers)."""

from __future__ import annotations

import re
from dataclasses import dataclass

AGENT, CALLER = "agent", "caller"

_RUN_ON_WORDS = 40
_UTTERANCE_END = re.compile(r"(?<=[.?!])\s+")  # "outlook.com" and "3.5" stay whole
_AGENT_CUES = re.compile(
    r"\b(thanks? (?:you )?for calling|thank you for calling|how (?:can|may) (?:i|we) help|how can i assist|"
    r"what can i do for you|(?:can|could|may) i (?:get|have|grab|take) (?:your|a|the)|what(?:'s| is) (?:your|the best)|"
    r"who am i speaking (?:with|to)|and your (?:name|number|email|phone)|let me (?:get|read|grab|check|pull|put|see|"
    r"look|find)|"
    r"(?:i|we)(?:'ll| will) (?:have|get|send|schedule|put) (?:someone|a|you|that)|spell (?:that|your)|"
    r"is (?:that|this) (?:the best|a good) (?:number|way)|"
    r"(?:i'll|let me) read (?:that|it) back|our (?:technician|team|office|next available))", re.I)
_AGENT_GREETING = re.compile(r"\b(?:thanks?|thank you) for calling\b|\bthis is \w+,? (?:how|speaking)|"
                             r"\b\w+ speaking\b", re.I)


@dataclass(frozen=True)
class Turn:
    speaker: str | None  # AGENT, CALLER or None when nothing tells
    text: str


def from_segments(segments: list[dict]) -> list[Turn]:
    """Labelled segments (agent/caller, or speaker_N from diarization) merged into turns."""
    labels = {s.get("speaker") for s in segments} - {None}
    mapping: dict[str | None, str | None] = {AGENT: AGENT, CALLER: CALLER}
    diarized = sorted(label for label in labels if label not in (AGENT, CALLER))
    if diarized:
        agent_label = _diarized_agent(segments, diarized)
        mapping.update({label: AGENT if label == agent_label else CALLER for label in diarized})
    turns: list[Turn] = []
    for segment in segments:
        speaker, text = mapping.get(segment.get("speaker")), (segment.get("text") or "").strip()
        if not text:
            continue
        if turns and turns[-1].speaker == speaker and speaker is not None:
            turns[-1] = Turn(speaker, f"{turns[-1].text} {text}")
        else:
            turns.append(Turn(speaker, text))
    return turns


def _diarized_agent(segments: list[dict], labels: list[str]) -> str:
    """The diarized speaker who sounds like the business: the most agent cues, first speaker on a tie."""
    cues = {label: 0 for label in labels}
    for segment in segments:
        if segment.get("speaker") in cues:
            cues[segment["speaker"]] += len(_AGENT_CUES.findall(segment.get("text") or ""))
    first = next((s["speaker"] for s in segments if s.get("speaker") in cues), labels[0])
    return max(labels, key=lambda label: (cues[label], label == first))


def from_text(text: str, business_name: str = "") -> list[Turn]:
    """A transcript without speaker labels. One line per turn: the business answers an inbound call, so
    a first line that greets for the business is the agent's and the lines alternate from there (a line
    full of agent cues is the agent's whatever its place). Otherwise utterances, attributed by cues."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    labelled = [_labelled_line(line) for line in lines]
    if lines and all(speaker for speaker, _ in labelled):
        return [Turn(speaker, body) for speaker, body in labelled]
    if len(lines) > 1:
        return _alternating(lines)
    pieces = lines if len(lines) > 1 else [u.strip() for u in _UTTERANCE_END.split(text) if u.strip()]
    turns = []
    for index, piece in enumerate(pieces):
        agentish = bool(_AGENT_CUES.search(piece)) or (index == 0 and _greets(piece, business_name))
        turns.append(Turn(AGENT if agentish and not _run_on(piece) else None, piece))
    return turns


def _run_on(piece: str) -> bool:
    """A long stretch without sentence punctuation (recognisers write whole calls that way) holds both
    parties: an agent cue inside it does not make the rest the agent's."""
    return len(piece.split()) > _RUN_ON_WORDS and not re.search(r"[.?!]", piece)


_CALLER_CUES = re.compile(r"\b(?:my name(?:'s| is)|i(?:'m| am) calling|i need|we need|i was wondering|"
                          r"i'd like|i want|i have a|we have a|can you guys|do you guys)\b", re.I)


def _alternating(lines: list[str]) -> list[Turn]:
    """An inbound call: the business answers first, then the parties take turns, except where a line
    plainly belongs to one of them (an agent asking for details, a caller saying what they need)."""
    turns, previous = [], CALLER
    for index, line in enumerate(lines):
        agent_cues, caller_cues = len(_AGENT_CUES.findall(line)), len(_CALLER_CUES.findall(line))
        if index and _greets_who_spoke(line, lines[index - 1]):  # "this is Grace ..." / "Hi Grace, let me ..."
            speaker = AGENT if previous == CALLER else CALLER
        elif index == 0 or agent_cues > caller_cues:
            speaker = AGENT if index == 0 or agent_cues else CALLER
        elif caller_cues > agent_cues:
            speaker = CALLER
        else:
            speaker = AGENT if previous == CALLER else CALLER
        turns.append(Turn(speaker, line))
        previous = speaker
    return turns


_GREETED = re.compile(r"^\W*(?i:hi|hello|hey|thanks|thank you|okay|ok|great|perfect|sure|good morning|morning)"
                      r"[,!]?\s+(?:so\s+)?([A-Z][\w'’-]+)\b")
_INTRODUCED = re.compile(r"\b(?:this is|my name(?:'s| is)|i'm|it's|you've got|you have)[\s,]+(?:(?:um|uh),?\s+)?"
                         r"(?:(?:mrs?|ms|dr)\.?\s+)?"
                         r"([A-Z][\w'’-]+)|\b([A-Z][\w'’-]+) (?:speaking|here)\b")


def _greets_who_spoke(line: str, previous: str) -> bool:
    """A line that greets by name whoever just introduced themself is the other party's."""
    greeted = _GREETED.match(line)
    if not greeted:
        return False
    return greeted.group(1) in {n for m in _INTRODUCED.finditer(previous) for n in m.groups() if n}


def _greets(utterance: str, business_name: str) -> bool:
    if _AGENT_GREETING.search(utterance):
        return True
    name = business_name.lower().split(" and ")[0].strip()
    return bool(name) and name in utterance.lower() and bool(re.search(r"\bthis is\b|\?|speaking", utterance, re.I))


_LABEL = re.compile(r"^\s*(agent|caller|customer|rep|representative|speaker[ _]?\d)\s*:\s*(.*)$", re.I)


def _labelled_line(line: str) -> tuple[str | None, str]:
    match = _LABEL.match(line)
    if not match:
        return None, line
    label = match.group(1).lower()
    if label in ("agent", "rep", "representative"):
        return AGENT, match.group(2)
    if label in ("caller", "customer"):
        return CALLER, match.group(2)
    return None, match.group(2)


def caller_turns(turns: list[Turn]) -> list[Turn]:
    """What the caller said: labelled caller turns, or every turn not attributed to the agent."""
    return [t for t in turns if t.speaker != AGENT]
