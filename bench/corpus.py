"""The labeled call corpus (tests/fixtures/leads) and how an analyzer is scored on it: per-field
precision/recall/F1, contact F1 (name, phone, email), class and intent accuracy. Used by
bench/extraction.py and the quality tests."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests/fixtures/leads"
SPLITS = ("dev", "heldout")


def load_split(split: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / f"{split}.jsonl").read_text().splitlines() if line.strip()]


def load_contexts() -> dict:
    from leadline.domain.context import BusinessContext

    return {key: BusinessContext.model_validate(value)
            for key, value in json.loads((CORPUS / "tenants.json").read_text()).items()}


def written_transcript(call: dict) -> str:
    """What a transcriber without speaker names writes: one line per turn, no labels."""
    return "\n".join(turn["text"] for turn in call["turns"])


def analyze_written(call: dict, contexts: dict) -> dict:
    from leadline.domain.rules import analyze_transcript

    lead = analyze_transcript(written_transcript(call), context=contexts[call["tenant"]],
                              call_date=date.fromisoformat(call["call_date"]))
    return lead.model_dump(mode="json")

EXACT_FIELDS = ("customer_name", "customer_phone", "customer_email", "project_category", "timeline", "budget")
PHRASE_FIELDS = ("project_phrase", "timeline_phrase")
CONTACT_FIELDS = ("customer_name", "customer_phone", "customer_email")
PHRASE_OVERLAP = 0.5


def _fold(value) -> str:
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9@.+]+", " ", text).strip()


def _words(value) -> set[str]:
    return set(_fold(value).split()) - {"the", "a", "an", "my", "our", "to", "of", "and", "for", "in", "on", "is"}


def _sounds_the_same(predicted, expected) -> bool:
    """Each token equal, or of the same Metaphone code, the same first letter and at most one edit in four apart
    ("Jon" / "John", "Smyth" / "Smith"; not "Tim" / "Tom", whose codes agree but a listener hears the vowel)."""
    import jellyfish
    from rapidfuzz.distance import Levenshtein

    p, e = _fold(predicted).split(), _fold(expected).split()
    return len(p) == len(e) and all(
        a == b or (a[0] == b[0] and jellyfish.metaphone(a) == jellyfish.metaphone(b)
                   and Levenshtein.normalized_similarity(a, b) >= 0.75)
        for a, b in zip(p, e, strict=True))


def _same(field: str, predicted, expected) -> bool:
    if field == "customer_name":
        return _sounds_the_same(predicted, expected)
    if field in PHRASE_FIELDS:
        p, e = _words(predicted), _words(expected)
        return bool(p and e) and 2 * len(p & e) / (len(p) + len(e)) >= PHRASE_OVERLAP
    return _fold(predicted) == _fold(expected)


def labeled_values(expected: dict) -> dict:
    """The corpus's labels under the analysis's field names."""
    budget = (expected["budget_min"], expected["budget_max"])
    return {**{k: expected[k] for k in (*CONTACT_FIELDS, "project_category", *PHRASE_FIELDS)},
            "timeline": expected["timeline_bucket"], "budget": None if budget == (None, None) else budget,
            "call_class": expected["call_class"], "intent": expected["intent"]}


def predicted_values(lead: dict) -> dict:
    budget = (lead.get("budget_min"), lead.get("budget_max"))
    return {**{k: lead.get(k) for k in (*CONTACT_FIELDS, "project_category", *PHRASE_FIELDS, "timeline")},
            "budget": None if budget == (None, None) else budget,
            "call_class": lead.get("call_class"), "intent": lead.get("intent")}


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn}


def mismatches(pairs: Iterable[tuple[dict, dict]]) -> list[tuple[str, object, object]]:
    out = []
    for predicted, expected in pairs:
        for field in (*EXACT_FIELDS, *PHRASE_FIELDS, "call_class"):
            if (predicted[field] or expected[field]) and not (
                    predicted[field] is not None and expected[field] is not None
                    and _same(field, predicted[field], expected[field])):
                out.append((field, predicted[field], expected[field]))
    return out


def score(pairs: list[tuple[dict, dict]]) -> dict:
    """`pairs`: (predicted_values, labeled_values) per call."""
    counts = {f: [0, 0, 0] for f in (*EXACT_FIELDS, *PHRASE_FIELDS)}
    for predicted, expected in pairs:
        for field, c in counts.items():
            p, e = predicted[field], expected[field]
            if p is not None and e is not None and _same(field, p, e):
                c[0] += 1
            else:
                c[1] += p is not None
                c[2] += e is not None
    fields = {f: _prf(*c) for f, c in counts.items()}
    contact = _prf(*(sum(counts[f][i] for f in CONTACT_FIELDS) for i in range(3)))
    n = len(pairs) or 1
    return {
        "calls": len(pairs),
        "contact_f1": contact["f1"], "contact": contact, "fields": fields,
        "class_accuracy": round(sum(p["call_class"] == e["call_class"] for p, e in pairs) / n, 3),
        "intent_accuracy": round(sum(p["intent"] == e["intent"] for p, e in pairs) / n, 3),
    }
