"""What the caller needs: a category from the tenant's services (their synonyms are the vocabulary) and
the caller's own words for it. rapidfuzz scores each service phrase against each caller utterance, so
"our AC is blowing hot air" finds "ac repair" without an exact synonym."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from leadline.domain.context import BusinessContext
from leadline.domain.extraction.turns import Turn
from leadline.domain.extraction.vocabulary import stem

_GENERIC = {"repair", "service", "services", "replacement", "installation", "new", "my", "the", "a", "and", "of",
            "in", "to", "for", "system", "home", "house", "work", "plan", "care", "control", "treatment", "general",
            "line", "up", "out", "on", "insurance", "removal", "law"}
_NEED_CUE = re.compile(r"\b(?:need(?:s|ing)?|looking (?:for|to|into|at)|interested in|calling (?:about|for|to)|"
                       r"want(?:ed|ing)? (?:to|a|an|some)?|get (?:a|an|some)?|quote (?:on|for)|help with|"
                       r"problem with|issue with|about (?:a|an|my|our|the)?|thinking about|considering)\s+", re.I)
_SPLIT = re.compile(r"(?<=[.?!;])\s+|,\s+(?:and|but|so)\s+")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class ProjectMatch:
    category: str
    phrase: str
    confidence: float


def _stems(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower())]


def _phrase_score(phrase: str, utterance: str, utterance_stems: list[str]) -> float:
    stems = _stems(phrase)
    joined = " ".join(utterance_stems)
    if re.search(rf"\b{re.escape(' '.join(stems))}\b", joined):
        return 1.0 + 0.1 * len(stems)
    content = [s for s in stems if s not in _GENERIC]
    if not content:
        return 0.0
    hits = sum(1 for s in content if s in utterance_stems)
    fuzzy = fuzz.partial_ratio(phrase.lower(), utterance.lower()) / 100 if len(phrase) >= 6 else 0.0
    return max(hits / len(content) * 0.8, fuzzy - 0.15 if fuzzy >= 0.9 else 0.0)


def _own_words(utterance: str, phrase: str) -> str:
    """The caller's words for the need: the clause after a need cue, else the span matching the service."""
    cue = _NEED_CUE.search(utterance)
    if cue:
        clause = re.split(r"[,.?!;]| and | because | so | but | since | which ", utterance[cue.end():], maxsplit=1)[0]
        words = clause.split()[:5]
        if words:
            return " ".join(words).strip()
    stems = set(_stems(phrase))
    words = utterance.split()
    hits = [i for i, w in enumerate(words) if stem(re.sub(r"\W", "", w.lower())) in stems]
    if hits:
        return " ".join(words[hits[0]:hits[-1] + 1][:5]).strip(",.?!")
    return phrase


def extract_project(turns: list[Turn], context: BusinessContext) -> ProjectMatch | None:
    utterances = [(u, _stems(u)) for t in turns for u in _SPLIT.split(t.text) if u.strip()]
    best: tuple[float, str, str, str] | None = None
    for service in context.services:
        for phrase in [service.name, *service.synonyms]:
            for utterance, stems in utterances:
                score = _phrase_score(phrase, utterance, stems)
                if score >= 0.6 and (best is None or score > best[0]):
                    best = (score, service.name, phrase, utterance)
    if best is None:
        return None
    score, category, phrase, utterance = best
    return ProjectMatch(category, _own_words(utterance, phrase), round(min(0.95, 0.5 + score / 2.5), 2))
