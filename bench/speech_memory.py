"""Memory and speed of the embedded recogniser (Whisper, faster-whisper) on an hour-long call.

    python bench/speech_memory.py [--minutes 60] [--channels 2] [--model-path DIR]

Builds a recording of --minutes minutes in a temporary directory with sox from the espeak-ng call fixtures
(stereo: the two-party stereo call, then the hot-lead monologue on the caller's channel, then 10 s of
silence, repeated), runs the Whisper backend over it in a child process and prints one JSON line: the
child's peak RSS (ru_maxrss from wait4), audio seconds, wall seconds of the transcription and of the whole
child (interpreter, imports, model load), the real-time factor (wall / audio) and what came out.
The budget is 2 GiB of RSS for 60 minutes of audio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "calls"
RSS_LIMIT_MIB = 2048


def build_recording(path: Path, minutes: float, channels: int) -> None:
    """~2 minutes of speech and silence (sox), repeated and trimmed to the length asked for."""
    work = path.parent
    block = work / "block.wav"
    stereo, monologue, silence = work / "stereo.wav", work / "monologue.wav", work / "silence.wav"
    sox = ["sox", "-D"]
    subprocess.run([*sox, str(FIXTURES / "stereo_call.wav"), "-c", str(channels), str(stereo),
                    *(["remix", "1,2"] if channels == 1 else [])], check=True)
    # the monologue on the caller's channel (channel 1), the agent's channel silent
    subprocess.run([*sox, str(FIXTURES / "hot_lead.wav"), "-c", str(channels), str(monologue),
                    *(["remix", "0", "1"] if channels == 2 else [])], check=True)
    subprocess.run([*sox, "-n", "-r", "16000", "-b", "16", "-c", str(channels), str(silence), "trim", "0", "10"],
                   check=True)
    subprocess.run([*sox, str(stereo), str(monologue), str(silence), str(block)], check=True)
    block_s = float(subprocess.run(["soxi", "-D", str(block)], capture_output=True, text=True, check=True).stdout)
    repeats = int(minutes * 60 // block_s) + 1
    subprocess.run([*sox, str(block), str(path), "repeat", str(repeats - 1), "trim", "0", str(minutes * 60)],
                   check=True)
    for part in (block, stereo, monologue, silence):
        part.unlink()


def child(recording: str, model: str | None) -> None:
    sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "devtools")]
    from leadline.speech import whisper_backend

    whisper_backend.load_model(model)
    started = time.perf_counter()
    transcript = whisper_backend.transcribe(recording, model=model, phrase_hints=["roof replacement"])
    print(json.dumps({"transcribe_s": round(time.perf_counter() - started, 1), "segments": len(transcript.segments),
                      "words": len(transcript.text.split()), "confidence": transcript.confidence,
                      "language": transcript.language,
                      "speakers": sorted({s.speaker or "-" for s in transcript.segments})}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--channels", type=int, choices=(1, 2), default=2)
    parser.add_argument("--model", default="base", help='"base", "tiny.en" or a model directory')
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model)
        return

    with tempfile.TemporaryDirectory(prefix="leadline-speech-bench-") as tmp:
        recording = Path(tmp) / "hour.wav"
        build_recording(recording, args.minutes, args.channels)
        audio_s = float(subprocess.run(["soxi", "-D", str(recording)], capture_output=True, text=True,
                                       check=True).stdout)
        command = [sys.executable, __file__, "--child", str(recording)]
        command += ["--model", args.model]
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        child_wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the transcription child failed with exit code {proc.returncode}")
    result = json.loads(output.strip().splitlines()[-1])
    peak_mib = usage.ru_maxrss / 1024  # kilobytes on Linux
    wall = result.pop("transcribe_s")
    print(json.dumps({
        "bench": "speech_memory", "backend": "whisper", "model": args.model,
        "channels": args.channels, "audio_s": round(audio_s, 1), "transcribe_wall_s": wall,
        "child_wall_s": round(child_wall, 1), "rtf": round(wall / audio_s, 4),
        "x_real_time": round(audio_s / wall, 1), "peak_rss_mib": round(peak_mib, 1), "rss_limit_mib": RSS_LIMIT_MIB,
        "within_limit": peak_mib <= RSS_LIMIT_MIB, "cpus": os.cpu_count(), **result,
    }))


if __name__ == "__main__":
    main()
