"""Lead extraction quality on the labeled corpus (tests/fixtures/leads), dev and held-out reported apart:

(a) written: the transcripts through the rule-based analyzer;
(b) end to end: each call rendered as a CallRail stereo recording (bench/phone_corpus.py: the neural voices
    through a telephone line, or espeak-ng as the stress set), recognised by the embedded Whisper model, analysed
    from its segments, then gated by contact confidence (domain/contact_evidence.py).

For (b) "asserted" scores only what would be written to a CRM as fact (names, spoken phones and emails at or above
the threshold; the caller-ID fill is counted apart: the corpus labels spoken numbers only), "found" what the
analyzer found before gating; "review_rate" is the share of lead calls with a field sent to review. Names count
when they sound the same: each token equal or of the same Metaphone code with the same first letter. Prints one
JSON line.

    python bench/extraction.py [--splits dev,heldout] [--e2e-splits heldout] [--voices neural] [--models base]
                               [--limit 0] [--errors heldout]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools"), str(ROOT)]

from bench.corpus import (  # noqa: E402
    CONTACT_FIELDS,
    SPLITS,
    analyze_written,
    labeled_values,
    load_contexts,
    load_split,
    mismatches,
    predicted_values,
    score,
)
from bench.phone_corpus import context_hints, recognised  # noqa: E402

LEAD_CLASSES = ("new_lead", "existing_customer")


def written(split: str, contexts: dict, show_errors: bool) -> dict:
    pairs = []
    for call in load_split(split):
        predicted, expected = predicted_values(analyze_written(call, contexts)), labeled_values(call["expected"])
        pairs.append((predicted, expected))
        if show_errors:
            for field, got, want in mismatches([(predicted, expected)]):
                print(f"{call['id']:<24} {field:<17} got={got!r} want={want!r}", file=sys.stderr)
    return score(pairs)


def _gated(lead: dict, segments: list[dict], caller_id: str | None, threshold: float):
    from leadline.domain.contact_evidence import assess_contact, gate

    evidence = assess_contact(lead["customer_name"], lead["customer_phone"], lead["customer_email"], segments,
                              caller_id)
    return gate(evidence, threshold, caller_id)


def end_to_end(split: str, contexts: dict, voices: str, model: str, limit: int, threshold: float,
               show_errors: bool) -> dict:
    from leadline.domain.rules import analyze_transcript

    found, asserted, audio_s, decode_s, reviewed, leads, fills = [], [], 0.0, 0.0, 0, 0, 0
    for index, call in enumerate(load_split(split)[:limit or None]):
        context = contexts[call["tenant"]]
        heard = recognised(call, index, context_hints(context), voices, model)
        audio_s, decode_s = audio_s + heard["audio_s"], decode_s + heard["decode_s"]
        segments = heard["segments"]
        lead = analyze_transcript(" ".join(s["text"] for s in segments), segments=segments, context=context,
                                  call_date=date.fromisoformat(call["call_date"]),
                                  language=heard["language"]).model_dump(mode="json")
        contact = _gated(lead, segments, call.get("caller_id"), threshold)
        expected = labeled_values(call["expected"])
        predicted = predicted_values(lead)
        found.append((predicted, expected))
        sure = {**predicted, "customer_name": contact.name, "customer_email": contact.email,
                "customer_phone": None if contact.phone_from_caller_id else contact.phone}
        asserted.append((sure, expected))
        if expected["call_class"] in LEAD_CLASSES:
            leads += 1
            reviewed += contact.needs_review
        fills += contact.phone_from_caller_id
        if show_errors:
            for field, got, want in mismatches([(sure, expected)]):
                if field in CONTACT_FIELDS:
                    print(f"{call['id']:<24} {heard['variant']:<28} {field:<15} got={got!r} want={want!r}",
                          file=sys.stderr)
            for e in contact.review:
                print(f"{call['id']:<24} review {e.field} {e.value!r} {e.confidence} {e.checks}", file=sys.stderr)
    asserted_score, found_score = score(asserted), score(found)
    return {"calls": len(found), "threshold": threshold,
            "asserted": {"contact": asserted_score["contact"],
                         "phone": asserted_score["fields"]["customer_phone"],
                         "name": asserted_score["fields"]["customer_name"],
                         "email": asserted_score["fields"]["customer_email"]},
            "found": {"contact": found_score["contact"], "phone": found_score["fields"]["customer_phone"]},
            "class_accuracy": found_score["class_accuracy"],
            "review_rate": round(reviewed / leads, 3) if leads else 0.0, "caller_id_fills": fills,
            "recogniser": {"audio_s": round(audio_s, 1), "decode_s": round(decode_s, 1),
                           "x_real_time": round(audio_s / decode_s, 1) if decode_s else None}}


def main() -> None:
    from leadline.domain.contact_evidence import DEFAULT_THRESHOLD

    parser = argparse.ArgumentParser()
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--e2e-splits", default="heldout", help="empty to skip the end-to-end part")
    parser.add_argument("--voices", default="neural", help="neural and/or espeak (the stress set)")
    parser.add_argument("--models", default="base", help="base and/or tiny.en")
    parser.add_argument("--limit", type=int, default=0, help="the first N calls of each split end to end (0: all)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--errors", default="", help="splits whose mismatches go to stderr")
    args = parser.parse_args()
    contexts = load_contexts()
    show = set(filter(None, args.errors.split(",")))
    started = time.monotonic()
    report = {"bench": "extraction",
              "written": {s: written(s, contexts, s in show) for s in filter(None, args.splits.split(","))},
              "end_to_end": {voices: {model: {s: end_to_end(s, contexts, voices, model, args.limit, args.threshold,
                                                            s in show)
                                              for s in filter(None, args.e2e_splits.split(","))}
                                      for model in args.models.split(",")}
                             for voices in args.voices.split(",")}}
    report["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
