"""A call-domain language model for PocketSphinx, built from generated sentences.

The stock en-us model turns phone calls into noise; sentences shaped like real lead calls (names,
digit-by-digit phone numbers, spoken emails, projects, timelines, budgets) plus each tenant's phrase
hints make the embedded recogniser useful. Built once per corpus and cached by its hash.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

from leadline.domain.rules import PROJECT_TYPES, TIMELINES
from leadline.domain.spoken import DIGITS, TENS

FIRST_NAMES = ["marcus", "jane", "john", "mary", "james", "linda", "robert", "susan", "michael", "karen",
               "david", "lisa", "sarah", "daniel", "emily", "kevin", "laura", "brian", "nancy", "steven"]
LAST_NAMES = ["whitfield", "doe", "smith", "johnson", "williams", "brown", "jones", "miller", "davis", "wilson",
              "anderson", "taylor", "thomas", "moore", "martin", "jackson", "white", "harris", "clark", "lewis"]
PROVIDERS = ["gmail", "outlook", "yahoo", "hotmail", "icloud", "aol"]
GREETINGS = ["hi", "hello", "hey there", "good morning", "good afternoon", "yes hi", "thanks for calling"]
FILLER = ["i am calling about", "i was wondering if you could help with", "we are looking for a quote on",
          "i need someone to look at", "we want to get a price for", "can you send someone out for",
          "i saw your ad about", "my neighbor recommended you for"]
CLOSINGS = ["thank you so much", "thanks bye", "sounds good", "great talk to you soon", "okay thank you",
            "that works for me", "you can call me back anytime", "have a good day"]


def _digits() -> list[str]:
    return [w for w in DIGITS if w not in ("o",)]


def sentences(phrase_hints: list[str] | tuple[str, ...] = (), count: int = 6000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    projects = [p for p, _ in PROJECT_TYPES]
    timelines = [p for _, ps in TIMELINES for p in ps]
    out: list[str] = []
    for _ in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = " ".join(rng.choice(_digits()) for _ in range(10))
        low, high = sorted(rng.sample(list(TENS), 2), key=lambda w: TENS[w])
        out.extend([
            f"{rng.choice(GREETINGS)} my name is {first} {last}",
            f"this is {first} {last} {rng.choice(FILLER)} a {rng.choice(projects)}",
            f"my number is {number}",
            f"you can reach me at {number}",
            f"my email is {first} dot {last} at {rng.choice(PROVIDERS)} dot com",
            f"{rng.choice(FILLER)} {rng.choice(projects)} {rng.choice(timelines)}",
            f"we would like to start {rng.choice(timelines)}",
            f"our budget is between {low} and {high} thousand dollars",
            f"we can spend about {rng.choice(list(TENS))} thousand",
            rng.choice(CLOSINGS),
        ])
    out.extend(hint.lower() for hint in phrase_hints for _ in range(20))
    return out


def build_lm(cache_dir: Path, phrase_hints: list[str] | tuple[str, ...] = ()) -> Path:
    corpus = "\n".join(sentences(phrase_hints)) + "\n"
    digest = hashlib.sha256(corpus.encode()).hexdigest()[:16]
    target = cache_dir / f"calls-{digest}.lm"
    if target.exists():
        return target
    from pocketsphinx.lm import ArpaBoLM

    cache_dir.mkdir(parents=True, exist_ok=True)
    model = ArpaBoLM(text=corpus, add_start=True, case="lower")
    model.compute()
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    model.write_file(str(partial))
    partial.replace(target)  # atomic: concurrent tasks never read a half-written model
    return target



