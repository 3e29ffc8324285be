#!/usr/bin/env bash
# Regenerates the synthetic call recordings in tests/fixtures/calls from their .txt scripts:
# espeak-ng speaks each script, sox resamples to 16 kHz mono (what the recognisers want), ffmpeg makes the mp3.
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/calls"
speak() { espeak-ng -v en-us -s 130 -g 6 -w "$2" -f "$1"; }
for name in hot_lead short_call; do
  speak "$name.txt" "/tmp/$name.raw.wav"
  sox "/tmp/$name.raw.wav" -r 16000 -c 1 -b 16 "$name.wav"
done
speak no_contact.txt /tmp/no_contact.raw.wav
ffmpeg -loglevel error -y -i /tmp/no_contact.raw.wav -ar 16000 -ac 1 -b:a 32k no_contact.mp3
for f in *.wav *.mp3; do printf '%s %ss\n' "$f" "$(soxi -D "$f" 2>/dev/null || ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")"; done
