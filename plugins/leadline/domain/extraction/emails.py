"""Email addresses written ("rob.lane91@yahoo.com"), spoken ("lee park nine one at yahoo dot com"),
spelled ("P-R-I-Y-A dot R at gmail"), with "underscore"/"dash" and digits in the local part.
email-validator has the last word on every candidate."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz

from leadline.domain.extraction.numbers import spoken_digits
from leadline.domain.extraction.turns import AGENT, Turn
from leadline.domain.extraction.vocabulary import DIGIT_WORDS

PROVIDER_TLDS = {"gmail": "com", "yahoo": "com", "hotmail": "com", "outlook": "com", "icloud": "com", "aol": "com",
                 "protonmail": "com", "msn": "com", "comcast": "net", "att": "net",
                 "verizon": "net", "me": "com", "mac": "com", "ymail": "com", "gmx": "com", "zoho": "com"}
TLDS = {"com", "net", "org", "edu", "gov", "io", "co", "us", "biz", "info", "me", "ai", "app", "dev", "law", "ca",
        "uk", "health", "dental", "solar", "realty", "homes", "pro", "tech", "mail"}
_WRITTEN = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
# "p-r-i-y-a", and as a recogniser writes one: "ch-o-i" ("c h" heard as one sound), "m-i-n-h-t-r-a-n-2005".
_SPELLED = re.compile(r"\b[a-z0-9]{1,2}(?:(?:[-.]|,) ?[a-z0-9]\b){2,}(?:-\d{2,}\b)?")
_RESTATED = 70  # how alike a word and the spelling said right after it must be for the spelling to replace it
_READ_BACK = 50  # how alike a heard domain and the provider the agent reads back must be
_SEPARATOR_WORDS = {"dot": ".", "period": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
# Inside an address the recogniser hears a spoken "dot" as "not" now and then ("marcus not whitfield at ...").
_MISHEARD_DOT = {"not"}
_LOCAL_STOP = {"is", "it's", "its", "email", "e-mail", "address", "that's", "me", "my", "at", "um", "uh", "so",
               "and", "yeah", "sure", "ok", "okay", "to", "the", "it", "use", "try", "or", "you", "can", "just",
               "send", "reach", "mail", "be", "would", "should", "best", "also", "like", "oh", "but", "on", "a",
               "yes", "right", "correct", "that", "this", "there", "was", "i'm", "from", "with", "for", "not",
               "please", "thanks", "emails"}
_DOMAIN_STOP = {"and", "or", "is", "please", "thanks", "thank", "that's", "so", "um", "uh", "but", "if", "the", "for",
                "okay", "ok", "yeah", "right", "too", "also", "as", "it", "i", "you", "we", "my", "at"}
_WORD = re.compile(r"[a-z0-9]+(?:[._@'-][a-z0-9]+)*|[,?!;:]|\.(?=\s|$)")


def _collapse_spelling(text: str) -> str:
    """ "p-r-i-y-a" / "p. r. i" -> "priya": letters spelled one by one are one word; "w as in whiskey" is
    "w"; a spelling that repeats the words before it ("choi, c-h-o-i") confirms them, it is not more address."""
    text = re.sub(r"\b([a-z]) as in [a-z]+\b", r"\1", text)
    text = re.sub(r"\b([a-z]),\s*\1\b", r"\1", text)  # "w, w as in whiskey"
    out, at = [], 0
    for match in _SPELLED.finditer(text):
        word = re.sub(r"[-., ]", "", match.group(0))
        out.append(text[at:match.start()])
        said = re.sub(r"[^a-z0-9]", "", text[:match.start()][-len(word) * 3 - 12:])
        before = re.search(r"\b([a-z]{3,}),? $", out[-1])
        restated = bool(before) and fuzz.ratio(before.group(1), re.sub(r"\d", "", word)) >= _RESTATED
        if restated:  # "mentran, m-i-n-h-t-r-a-n": the spelling corrects the word said just before it
            out[-1] = out[-1][:before.start()]
        if word not in said or restated:
            out.append(word)
        at = match.end()
    return "".join(out) + text[at:]


# What callers say about an address that is not part of it.
_META = re.compile(r"\b(?:(?:like|as in) the letter [a-z]\b|the letters\b|"
                   r"(?:the )?(?:first |last )?name,? (?:is )?(?:all )?one word|"
                   r"[a-z]+ is (?:all )?(?:one word|lower ?case)|(?:it's |that's )?all (?:one word|lower ?case|"
                   r"together)|one word|no (?:spaces?|dots?|hyphens?|dash(?:es)?|"
                   r"periods?|apostrophes?|caps)(?: there)?(?: in (?:the|my) (?:email|address))?|"
                   r"all lower ?case|lower ?case|"
                   r"(?:capital|lowercase|small) [a-z]\b|the (?:number|digit) \w+|the letter (?=\w)|"
                   r"(?:with|that's) (?:an? )?[a-z] (?:like|as in) \w+|just (?:co|com|net|org), not \w+)", re.I)


def _domain(words: list[str]) -> str | None:
    if not words:
        return None
    first = words[0]
    if "." in first and first.rsplit(".", 1)[-1] in TLDS:
        return _known(*first.split(".", 1))
    labels, i = [], 0
    while i < len(words) and len(labels) < 4:
        word = words[i]
        if word in ("dot", ".") and labels and i + 1 < len(words) and words[i + 1].split(".")[0] in TLDS:
            return _known("".join(labels), words[i + 1])
        if word == ",":
            i += 1
            continue
        if not re.fullmatch(r"[a-z0-9-]+", word) or word in _DOMAIN_STOP:
            break
        if word in ("dash", "hyphen") and labels and i + 1 < len(words):  # "krishnamurthy dash design dot com"
            word = "-"
        labels.append(word)
        i += 1
    joined = "".join(labels)
    if joined in PROVIDER_TLDS:
        return f"{joined}.{PROVIDER_TLDS[joined]}"
    if labels and labels[0] in PROVIDER_TLDS:
        return f"{labels[0]}.{PROVIDER_TLDS[labels[0]]}"
    return None


def _known(label: str, tld: str) -> str:
    provider = _misheard_provider(label)
    return f"{provider}.{tld}" if provider and tld == PROVIDER_TLDS[provider] else f"{label}.{tld}"


def _misheard_provider(label: str) -> str | None:
    """ "heartmail" -> "hotmail": a recogniser's near miss of a big mail provider (same first letter, 75 % alike).
    Only the long names: "all" is not "aol"."""
    if label in PROVIDER_TLDS or len(label) < 5:
        return None
    near = [(fuzz.ratio(label, p), p) for p in PROVIDER_TLDS if len(p) >= 5 and p[0] == label[0]]
    score, provider = max(near, default=(0, None))
    return provider if score >= 75 else None


def _provider_follows(words: list[str]) -> bool:
    """ "whitfield and outlook.com": a recogniser's "and" for a spoken "at" before a mail provider."""
    if not words:
        return False
    head = words[0].split(".")
    if len(head) > 1:
        return head[0] in PROVIDER_TLDS and head[-1] in TLDS
    return head[0] in PROVIDER_TLDS and (len(words) < 2 or words[1] in ("dot", ".", ","))


def _local(words: list[str]) -> str | None:
    parts: list[str] = []
    window = words[-8:]
    for index in range(len(window) - 1, -1, -1):
        word = window[index]
        if word == ",":
            continue
        if index and window[index - 1] == "at":  # "esteban r f at yahoo. E-S-T-E-B-A-N, R, F, at": an earlier domain
            break
        if word == ".":  # a pause the recogniser punctuated, unless what came before was a number or a stop
            earlier = window[index - 1] if index else ""
            if not re.search("[a-z]", earlier) or earlier in _LOCAL_STOP or earlier in _SEPARATOR_WORDS:
                break
            continue
        if word in DIGIT_WORDS:  # "fiona mcallister one": a digit in an address
            parts.append(DIGIT_WORDS[word])
        elif word in _SEPARATOR_WORDS:
            parts.append(_SEPARATOR_WORDS[word])
        elif (word == "a" and parts and len(parts[-1]) == 1 and parts[-1].isalpha() and index
              and window[index - 1] in _SEPARATOR_WORDS):  # "kofi dot a m at": the letter a, not the article
            parts.append(word)
        elif word in _MISHEARD_DOT and parts and parts[-1] not in "._-":
            parts.append(".")
        elif word in ("that's", "thats") and not parts:  # "g peralta mesa. that's g, p-e-r-a-l-t-a, at gmail"
            continue
        elif word in _LOCAL_STOP or not re.fullmatch(r"[a-z0-9._-]+", word):  # "email's", "it's": not address
            break
        else:
            parts.append(word)
    while parts and parts[-1] in "._-":
        parts.pop()
    local = "".join(reversed(parts)).strip("._-")
    half = len(local) // 2
    if local and len(local) % 2 == 0 and local[:half] == local[half:]:  # said, then spelled: "e boateng, e b-o-a..."
        local = local[:half]
    return local or None


def _spoken(text: str) -> list[str]:
    words = _WORD.findall(text)
    found = []
    for i, word in enumerate(words):
        if word != "at" and not (word == "and" and _provider_follows(words[i + 1:i + 3])):
            continue
        domain, local = _domain(words[i + 1:i + 8]), _local(words[:i])
        if domain and local:
            found.append(f"{local}@{domain}")
    return found


# "dhwangicomcast.net", "jane.doe.gmail.com", "jy-choi-gmail.com": a recogniser swallows a spoken "at" before a
# big mail provider's name (the short ones, "me" or "att", end too many ordinary words to be found this way).
_GLUED = re.compile(r"(?<![@\w.-])([a-z0-9][a-z0-9._-]*?)[._-]?(" +
                    "|".join(p for p in PROVIDER_TLDS if len(p) >= 5 and p != "ymail") + r")\.([a-z]+)\b")


def _unglued(text: str) -> str:
    def split(match: re.Match) -> str:
        local, provider, tld = match.groups()
        if tld != PROVIDER_TLDS[provider] or local == "www":
            return match[0]
        spoken = re.sub(r"[._-]", lambda sep: {".": " dot ", "_": " underscore ", "-": " dash "}[sep[0]], local)
        return f"{spoken} at {provider}.{tld}"  # as if said, so the digits and separators read as in speech
    return _GLUED.sub(split, text)


def _candidates(text: str) -> list[str]:
    lowered = _unglued(_collapse_spelling(_META.sub(" ", text.lower())))
    written = _WRITTEN.findall(lowered)
    lowered = _WRITTEN.sub(" ; ", lowered)  # "x@gmail.com — x at gmail": an address written is not the next's start
    spoken = _spoken(_collapse_spelling(spoken_digits(re.sub(r"(?<=\d) (?=\d)", "", lowered))
                                        .replace(" - ", "-")))
    digits_joined = [re.sub(r"(?<=\d) (?=\d)", "", s) for s in spoken]
    return written + digits_joined


def extract_email(turns: list[Turn]) -> str | None:
    """The last valid address the caller said in one turn; failing that, in all their turns read as one
    stretch, where an address a recogniser cut at pauses ("My email is Marcus." "Not Whitfield." "And
    outlook.com.") comes back whole. The agent's turns only confirm a provider (they may be among `turns`)."""
    said = [t for t in turns if t.speaker != AGENT]
    found = _last_valid(t.text for t in said) or _last_valid([" ".join(t.text for t in said)])
    return _provider_read_back(found, turns) if found else None


def _provider_read_back(address: str, turns: list[Turn]) -> str:
    """ "minhtran2005 at hotbell.com." "Mentor in 2005 at hotmail.com.": a domain that is no mail provider, which
    the agent reads back right away as a provider alike in sound, is that provider misheard."""
    local, domain = address.split("@", 1)
    label, _, tld = domain.partition(".")
    if label in PROVIDER_TLDS:
        return address
    for before, reply in zip(turns, turns[1:], strict=False):
        if before.speaker == AGENT or reply.speaker != AGENT or label not in before.text.lower():
            continue
        for provider, ending in re.findall(r"\b([a-z]+)\.([a-z]+)\b(?!\.\w)", reply.text.lower()):
            if (PROVIDER_TLDS.get(provider) == ending == tld and provider[0] == label[0]
                    and fuzz.ratio(provider, label) >= _READ_BACK):
                return f"{local}@{provider}.{tld}"
    return address


def _last_valid(texts) -> str | None:
    found = None
    for text in texts:
        for candidate in _candidates(text):
            try:
                found = validate_email(_spelled_out(candidate, text), check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                continue
    return found


def _spelled_out(address: str, text: str) -> str:
    """ "A Brandt at verizon dot net. A-B-R-A-N-D-T.": a spelling said after the address that ends with its
    local part is the whole local part (the recogniser or the rules took the first letter for an article).
    "dhwangicomcast.net, DHWANG": one that is the local part but for a letter or two at its end shows those
    are what is left of a swallowed "at". A recogniser writes a quick spelling as one word in capitals."""
    local, domain = address.split("@", 1)
    label = domain.split(".")[0]
    after = text[text.lower().find(label) + len(label):] if label in text.lower() else text
    spellings = [re.sub(r"[-., ]", "", m.group(0)) for m in _SPELLED.finditer(after.lower())]
    spellings += [w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", after)]
    for spelled in spellings:
        if len(spelled) > len(local) and spelled.endswith(local.replace(".", "")) and "." not in local:
            return f"{spelled}@{domain}"
        if local.startswith(spelled) and 0 < len(local) - len(spelled) <= 2 and local.isalnum():
            return f"{spelled}@{domain}"
    return address
