"""Recognised renderings of the labeled corpus for bench/extraction.py, cached so the analysis can be re-scored
without recognising again. Each call is rendered once, CallRail-style (agent and caller on their own channels):

- `neural` (the realistic set): the two neural voices, each taking each role, through a telephone line, light
  noise on half; call i of a split gets variant i % 4, so every pairing covers a quarter of the split;
- `espeak` (the stress set): espeak-ng's formant voices, wideband, as before.

The cache (`$LEADLINE_HOME/bench-cache/<voices>/<model>/<call id>.json`) holds the recogniser's segments and
timings; its key includes the call's turns, so an edited call is recognised again.

    python bench/phone_corpus.py --split heldout --model base --voices neural [--limit 40]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools"), str(ROOT)]

VOICE_SETS = ("neural", "espeak")
RECOGNISER = "clips-vad02"  # part of the cache key: a change to the recogniser's settings recognises again


def _cache_file(call: dict, voices: str, model: str) -> Path:
    from leadline.config import leadline_home

    digest = hashlib.sha256(json.dumps(call["turns"], sort_keys=True).encode()).hexdigest()[:12]
    return (leadline_home() / "bench-cache" / RECOGNISER / voices / model.replace("/", "_")
            / f"{call['id']}-{digest}.json")


def _render(call: dict, index: int, voices: str, target: Path) -> tuple[float, str]:
    if voices == "neural":
        from leadline_dev.phone_calls import VARIANTS, render_phone_call

        variant = VARIANTS[index % len(VARIANTS)]
        return render_phone_call(call["turns"], target, variant, seed=index), variant.label
    from leadline_dev.synthetic_calls import VARIANTS, render_call

    variant = VARIANTS[index % len(VARIANTS)]
    label = f"espeak {variant.agent}>{variant.caller} {variant.words_per_minute}"
    return render_call(call["turns"], target, variant), label


def recognised(call: dict, index: int, hints: list[str], voices: str = "neural", model: str = "base") -> dict:
    """{"segments", "language", "audio_s", "decode_s", "variant"} for the call's rendering, from the cache."""
    cache = _cache_file(call, voices, model)
    if cache.is_file():
        return json.loads(cache.read_text())
    from leadline.speech import whisper_backend

    whisper_backend.load_model(model)  # loading once is not recognition time
    with tempfile.TemporaryDirectory(prefix="leadline-e2e-") as tmp:
        recording = Path(tmp) / "call.wav"
        seconds, label = _render(call, index, voices, recording)
        started = time.perf_counter()
        transcript = whisper_backend.transcribe(recording, model=model, phrase_hints=hints)
        elapsed = time.perf_counter() - started
    result = {"segments": [s.as_dict() for s in transcript.segments], "language": transcript.language,
              "audio_s": round(seconds, 2), "decode_s": round(elapsed, 2), "variant": label}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result))
    return result


def context_hints(context) -> list[str]:
    """What a tenant would put in its phrase hints: its service names."""
    return [service.name for service in context.services]


def main() -> None:
    from bench.corpus import load_contexts, load_split

    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="heldout")
    parser.add_argument("--voices", choices=VOICE_SETS, default="neural")
    parser.add_argument("--model", default="base")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    contexts = load_contexts()
    calls = load_split(args.split)
    for index, call in enumerate(calls[:args.limit or None]):
        result = recognised(call, index, context_hints(contexts[call["tenant"]]), args.voices, args.model)
        print(call["id"], result["variant"], result["audio_s"], result["decode_s"], flush=True)


if __name__ == "__main__":
    main()
