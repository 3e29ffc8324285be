#!/usr/bin/env bash
# Regenerates the synthetic call recordings in tests/fixtures/calls from their .txt scripts (espeak-ng speaks,
# sox converts, ffmpeg makes the mp3). What the pipeline stores: 16 kHz 16-bit WAV, mono or stereo.
#   hot_lead.wav, short_call.wav   mono, one voice
#   no_contact.mp3                 mono mp3 (exercises the ffmpeg decode)
#   non_english.wav                mono, German (the English-only model cannot read it)
#   stereo_call.wav                CallRail-style dual channel: agent on channel 0, caller on channel 1, two
#                                  different voices taking turns with silence between them; stereo_call.json
#                                  lists each turn's speaker, start and end (seconds) for the tests.
# The newer fixtures are converted without dither (-D), so a rerun gives the same bytes; hot_lead/short_call
# were made with sox's default dither (random low-bit noise), so a rerun changes them slightly.
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/calls"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
speak() { espeak-ng -v en-us -s 130 -g 6 -w "$2" -f "$1"; }
for name in hot_lead short_call; do
  speak "$name.txt" "$work/$name.raw.wav"
  sox "$work/$name.raw.wav" -r 16000 -c 1 -b 16 "$name.wav"
done
speak no_contact.txt "$work/no_contact.raw.wav"
ffmpeg -loglevel error -y -i "$work/no_contact.raw.wav" -ar 16000 -ac 1 -b:a 32k no_contact.mp3
espeak-ng -v de -s 130 -w "$work/non_english.raw.wav" -f non_english.txt
sox -D "$work/non_english.raw.wav" -r 16000 -c 1 -b 16 non_english.wav

# Stereo: each turn is spoken on its party's channel while the other channel stays silent.
silence() { sox -D -n -r 16000 -c 1 -b 16 "$2" trim 0 "$1"; }
lead=0.5 gap=0.8
silence "$lead" "$work/lead.wav"
silence "$gap" "$work/gap.wav"
agent_parts=("$work/lead.wav") caller_parts=("$work/lead.wav")
manifest="[" sep="" t=$lead i=0
while IFS='|' read -r speaker text; do
  case "$speaker" in
    agent) voice=(-v en-us+f3 -p 70 -s 145) ;;
    caller) voice=(-v en-us -p 35 -s 130) ;;
    *) echo "unknown speaker $speaker" >&2; exit 1 ;;
  esac
  espeak-ng "${voice[@]}" -w "$work/turn$i.raw.wav" "$text"
  sox -D "$work/turn$i.raw.wav" -r 16000 -c 1 -b 16 "$work/turn$i.wav"
  d=$(soxi -D "$work/turn$i.wav")
  silence "$d" "$work/quiet$i.wav"
  if [ "$speaker" = agent ]; then
    agent_parts+=("$work/turn$i.wav" "$work/gap.wav"); caller_parts+=("$work/quiet$i.wav" "$work/gap.wav")
  else
    caller_parts+=("$work/turn$i.wav" "$work/gap.wav"); agent_parts+=("$work/quiet$i.wav" "$work/gap.wav")
  fi
  end=$(awk -v t="$t" -v d="$d" 'BEGIN { printf "%.3f", t + d }')
  manifest+="$sep
  {\"speaker\": \"$speaker\", \"start\": $t, \"end\": $end}"
  sep=","
  t=$(awk -v e="$end" -v g="$gap" 'BEGIN { printf "%.3f", e + g }')
  i=$((i + 1))
done < stereo_call.txt
sox -D "${agent_parts[@]}" "$work/agent.wav"
sox -D "${caller_parts[@]}" "$work/caller.wav"
sox -D -M "$work/agent.wav" "$work/caller.wav" -b 16 stereo_call.wav
printf '%s\n]\n' "$manifest" > stereo_call.json

for f in *.wav *.mp3; do
  printf '%s %ss %s ch\n' "$f" "$(soxi -D "$f" 2>/dev/null || ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")" \
    "$(soxi -c "$f" 2>/dev/null || echo 1)"
done

# phone_line_call.wav: a dev-corpus call (phone_line_call.json) spoken by the neural voices and passed through a
# telephone line (300-3400 Hz, 8 kHz mu-law), where Silero VAD's default threshold loses whole stretches of speech.
(cd ../../.. && PYTHONPATH=plugins:devtools .venv/bin/python -c "
import json; from pathlib import Path
from leadline_dev.phone_calls import PhoneVoices, render_phone_call
turns = json.loads(Path('tests/fixtures/calls/phone_line_call.json').read_text())['turns']
render_phone_call(turns, Path('tests/fixtures/calls/phone_line_call.wav'), PhoneVoices('joe', 'heart'), seed=5)")
