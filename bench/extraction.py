"""Lead extraction quality on the labeled corpus (tests/fixtures/leads), dev and held-out reported apart:
(a) the written transcripts through the rule-based analyzer; (b) end to end: each call rendered as a stereo
recording by espeak-ng (agent and caller on their own channels, two voice pairings x two speeds), recognised
by the embedded Whisper recogniser, then analysed from its segments. Prints one JSON line.

    python bench/extraction.py [--splits dev,heldout] [--e2e-splits heldout] [--variants 4] [--errors dev]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools"), str(ROOT)]

from bench.corpus import (  # noqa: E402
    SPLITS,
    analyze_written,
    labeled_values,
    load_contexts,
    load_split,
    mismatches,
    predicted_values,
    score,
)


def written(split: str, contexts: dict, show_errors: bool) -> dict:
    pairs = []
    for call in load_split(split):
        predicted, expected = predicted_values(analyze_written(call, contexts)), labeled_values(call["expected"])
        pairs.append((predicted, expected))
        if show_errors:
            for field, got, want in mismatches([(predicted, expected)]):
                print(f"{call['id']:<24} {field:<17} got={got!r} want={want!r}", file=sys.stderr)
    return score(pairs)


def end_to_end(split: str, contexts: dict, variants: int, show_errors: bool) -> dict:
    from bench.speech_corpus import recognise_call

    pairs, audio_s, decode_s = [], 0.0, 0.0
    for call in load_split(split):
        for variant in range(variants):
            lead, seconds, elapsed = recognise_call(call, contexts[call["tenant"]], variant)
            audio_s, decode_s = audio_s + seconds, decode_s + elapsed
            predicted, expected = predicted_values(lead), labeled_values(call["expected"])
            pairs.append((predicted, expected))
            if show_errors:
                for field, got, want in mismatches([(predicted, expected)]):
                    print(f"{call['id']:<24} v{variant} {field:<17} got={got!r} want={want!r}", file=sys.stderr)
    result = score(pairs)
    result["recogniser"] = {"audio_s": round(audio_s, 1), "decode_s": round(decode_s, 1),
                            "realtime_factor": round(audio_s / decode_s, 1) if decode_s else None}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--e2e-splits", default=",".join(SPLITS), help="empty to skip the end-to-end part")
    parser.add_argument("--variants", type=int, default=4, help="voice pairings x speeds per call (max 4)")
    parser.add_argument("--errors", default="", help="splits whose mismatches go to stderr")
    args = parser.parse_args()
    contexts = load_contexts()
    show = set(filter(None, args.errors.split(",")))
    started = time.monotonic()
    report = {"bench": "extraction",
              "written": {s: written(s, contexts, s in show) for s in filter(None, args.splits.split(","))},
              "end_to_end": {s: end_to_end(s, contexts, args.variants, s in show)
                             for s in filter(None, args.e2e_splits.split(","))}}
    report["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
