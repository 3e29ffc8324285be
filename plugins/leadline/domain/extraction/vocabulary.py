"""The words the extraction rules and the PII redaction read numbers, dates and names by, listed once: a word
added here (a number word, a month, a word that is never a name) is known to every rule that reads such words.
Pure data and one word function; it imports nothing of Leadline, so any domain module can use it."""

from __future__ import annotations

DIGIT_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
               "seven": "7", "eight": "8", "nine": "9"}
# "oh" and "o" stand for 0 only beside other digits ("five one oh"); elsewhere they are words.
ZERO_WORDS = frozenset({"oh", "o"})
REPEAT_WORDS = {"double": 2, "triple": 3}  # "double five" is 55
TEEN_WORDS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
              "nineteen")
TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
CARDINAL_WORDS = frozenset({*DIGIT_WORDS, *TEEN_WORDS, *TENS_WORDS, *SCALE_WORDS})
ORDINAL_WORDS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                           "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
                           "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth"})
# Sounds a speaker makes while reading a number out: they do not end it ("four one, um, five").
FILLERS = frozenset({"uh", "um", "er", "erm", "hmm", "ah"})

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # in calendar order: a month's number is its index + 1
MONTH_ABBREVIATIONS = frozenset({"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                                 "dec"})
SEASON_STARTS = {"spring": (3, 20), "summer": (6, 21), "fall": (9, 22), "autumn": (9, 22), "winter": (12, 21)}

TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mister", "misses", "doctor", "pastor", "father", "reverend",
                    "rev", "professor", "prof", "officer", "sister", "brother"})
# "de", "la", "van": part of a surname when a capitalised word follows ("Gomez de la Cruz")
NAME_PARTICLES = frozenset({"de", "la", "del", "van", "der", "von", "da", "di", "le", "bin", "al", "dos", "du",
                            "ter"})
# Words said where a name could start ("yeah, calling about ...", "I'm a new patient") that are never one.
NOT_NAMES = frozenset({
    "i", "yeah", "yes", "yep", "hi", "hello", "hey", "thanks", "thank", "so", "and", "but", "calling",
    "just", "sure", "okay", "ok", "well", "oh", "no", "not", "the", "a", "an", "my", "we", "our", "it", "this", "that",
    "good", "great", "sorry", "please", "from", "with", "about", "in", "on", "at", "here", "there", "looking",
    "interested", "trying", "going", "having", "wondering", "hoping", "still", "also", "actually", "really", "kind",
    "like", "gonna", "wanna", "glad", "happy", "fine", "speaking", "over", "out", "back", "again",
    "who", "what", "how", "is", "was", "be", "to", "for", "of", "or", "by", "as", "if", "do", "did", "can", "will",
    "would", "could", "should", "get", "got", "need", "needing", "want", "your", "you", "me", "him", "her", "his",
    "mister", "misses", "miss", "mr", "mrs", "ms", "dr", "doctor", "last", "first", "name", "spelled", "spell",
    "correct", "right", "absolutely", "perfect", "wait", "yup", "nope", "thats", "that's", "it's", "i'm",
    "new", "existing", "patient", "customer", "homeowner", "owner", "manager", "call", "called",
    "reaching", "following", "returning", "checking", "ringing", "writing", "after", "before", "because", "since",
    "when", "where", "then", "now", "today", "tomorrow", "currently", "probably", "maybe", "definitely", "all",
    "hold", "full", "policy", "same", "bye", "goodbye", "ready", "done", "busy", "home", "away", "sick", "worried",
    "concerned", "afraid", "aware", "curious", *FILLERS, *CARDINAL_WORDS,
})

_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word: str) -> str:
    """ "leaking" / "leaks" / "leaked" -> "leak", so a caller's words meet a service's synonyms. Four suffixes
    and a length floor are all the service phrases need; the dependencies hold no stemmer (spaCy comes with
    presidio but lemmatises only with lookup tables or a model that are not installed)."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word
