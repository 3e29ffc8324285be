"""What kind of call this was (runbook 003: not every call is a lead): a new lead, an existing customer,
spam or a robocall, a wrong number, a vendor selling to the business, or an incomplete call. Each class has
cue phrases; the strongest wins, with a reason a person can read. Never a regex on names or numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadline.domain.extraction.turns import AGENT, Turn, caller_turns

_CUES: dict[str, list[tuple[str, float]]] = {
    "spam_or_robocall": [
        (r"automated assistant|(?:an|i'm an) ai (?:assistant|agent)|conducting a (?:short |brief )?survey|"
         r"take (?:us|me) off your list", 3),
        (r"this (?:is|message is) (?:a |an )?(?:courtesy|important|final|urgent|recorded|automated) (?:call|message|"
         r"notice|reminder)", 3), (r"press \w+ (?:to|now|for)\b", 3),
        (r"(?:your|the) (?:account|card|warranty|policy|subscription|listing|coverage) (?:has been|will be|is about "
         r"to be|is) (?:suspended|cancell?ed|expir|terminat)", 3),
        (r"press (?:1|one|2|two|9|nine)\b", 3), (r"extended (?:car |auto |vehicle )?warranty", 3),
        (r"(?:google|business) (?:listing|profile)", 2.5), (r"(?:this is an?|is an) (?:automated|recorded|"
         r"pre-?recorded)", 3), (r"final (?:notice|attempt)", 2.5), (r"to be removed from", 3),
        (r"do not call list", 2), (r"you(?:'ve| have) (?:been selected|won|qualified for)", 3),
        (r"(?:social security|irs|tax) (?:number|department|office|notice)", 2.5), (r"vehicle(?:'s)? warranty", 3),
        (r"student loan", 2), (r"lower your (?:interest|credit card)", 3), (r"free (?:cruise|vacation|gift)", 3),
        (r"this call may be recorded for", 0.5), (r"verify your (?:business|account|information)", 2.5),
        (r"(?:suspended|expir(?:ed|ing)) (?:listing|account)", 2), (r"\bbeep\b|\[(?:tone|beep)\]", 1.5),
        (r"(?:our|my) records (?:show|indicate)", 1.5), (r"medicare", 1.5),
    ],
    "wrong_number": [
        (r"did you mean to (?:reach|call)|you (?:may|might) be looking for|i think you want|you(?:'re| are) looking "
         r"for (?:the|a)\b", 3), (r"(?:i just|must have|must've) (?:searched|hit|dialed|typed)", 2.5),
        (r"report (?:an|my \w+'s|his|her) absen|"
         r"refill (?:my|the) [\w ]{0,20}(?:medicine|medication|prescription)", 2.5),
        (r"(?:sorry|oops|oh)[,!]? (?:wrong|i think i (?:have|got|dialed) the wrong)", 3),
        (r"(?:not|isn't) (?:the )?[\w' ]{2,30}(?:pharmacy|school|clinic|restaurant|hospital|hotel|bank|store|dmv|"
         r"salon|church|daycare)\b", 2),
        (r"(?:we|i) (?:don't|do not) have (?:a|an|anyone|anybody|somebody) (?:named|by that name|here by)", 2.5),
        (r"wrong number", 3), (r"(?:i was|i'm|i am) (?:trying to|looking to) (?:reach|call|get|get ahold of)", 2.5),
        (r"(?:must|might) have (?:dialed|called|the wrong|misdialed)", 3), (r"misdial", 3),
        (r"is this(?: not)? (?:the|a)? ?[\w' ]{0,30}(?:pizza|pharmacy|restaurant|school|bank|hospital|clinic|"
         r"office|doctor|salon|store|hotel)", 2), (r"(?:isn't|is not|this isn't|not) (?:the )?[\w' ]{0,25}\?", 0.5),
        (r"(?:sorry|oh)[,.]? (?:i|we) (?:thought|meant)", 2), (r"(?:is|isn't) (?:\w+ )?(?:there|home)\?", 1.5),
        (r"(?:looking for|trying to reach) (?:my|a) (?:friend|brother|sister|mom|dad|son|daughter|cousin)", 2.5),
        (r"(?:sorry to bother|sorry about that),? (?:wrong|my mistake)", 2), (r"my mistake", 1.5),
        (r"(?:dialed|called) the wrong", 3), (r"different (?:business|company|number)", 2),
        (r"(?:we're|we are) (?:a )?(?:different|separate) (?:office|company|business|practice)|not affiliated", 3),
        (r"you (?:have|got|dialed) the wrong|hit the wrong|wrong (?:one|office|place|company)", 3),
        (r"^\W*(?:hi|hello|hey)?\W*is this [a-z][\w' ]{2,40}\?", 1.5), (r"do you (?:have|know) their number", 2.5),
        (r"(?:this is|you've reached|you have reached|you reached) (?:a|an) [\w ]{0,25}(?:office|company|business|"
         r"practice|firm|agency)\b", 2.5), (r"there(?:'s| is) no [\w ]{1,20} (?:here|at this number)", 2.5),
        (r"this isn't (?:the )?[\w' ]{2,40}\?", 2), (r"\bis [a-z]+ (?:there|in|available)\?", 1.5),
        (r"must(?:'ve| have) (?:written|dialed|put|typed|copied|gotten|got)", 2.5),
        (r"where(?:'d| did) you get (?:this|our|the) number|we don't manage|"
         r"do you know who (?:manages|runs|owns)", 2.5),
        (r"(?:one|a) (?:number|digit) off|(?:gave|give) me (?:this|the wrong) number", 2.5),
    ],
    "vendor_or_solicitation": [
        (r"posting on (?:indeed|linkedin|craigslist|ziprecruiter)|position(?:'s| is) (?:still )?open|my r[eé]sum[eé]|"
         r"(?:apply|applying) for (?:the|a) (?:job|position)|looking for (?:work|a job)", 3),
        (r"(?:is|was) (?:the )?owner (?:around|in|available|there)|head up partnerships|partnership", 2.5),
        (r"we work with [\w ]{0,20}(?:shops|contractors|businesses|companies|practices|firms|agents|installers)", 3),
        (r"(?:equipment|leasing|lease) (?:finance|financing|program)|cost per (?:appointment|lead)|"
         r"(?:exclusive|pre-?qualified)[\w ,-]{0,30}(?:appointments|leads)", 2.5),
        (r"(?:calling|reaching out) (?:to|because) (?:offer|introduce|see if you|let you know about|"
         r"tell you about)", 2.5),
        (r"(?:our|my) (?:company|firm|agency|team) (?:offers|provides|specializes|works with|helps)", 3),
        (r"(?:would|are) you (?:be )?interested in (?:our|a free|learning|hearing)", 2),
        (r"(?:who|whom) (?:should|would|could) i (?:talk|speak) (?:to|with)", 2),
        (r"(?:lower|reduce|cut) your (?:rates|costs|fees|processing|bills?)", 2.5),
        (r"(?:website|seo|google|social media|ads|reviews|listing|marketing) for your (?:business|company|practice|"
         r"firm|office|shop)", 2.5),
        (r"\bseo\b|search engine optimi[sz]ation", 3),
        (r"(?:digital |online )?marketing (?:services|agency|company)", 2.5),
        (r"(?:we|our company) (?:help|helps|work with|partner with) (?:businesses|companies|contractors|"
         r"practices|firms|local)", 3), (r"(?:speak|talk) (?:to|with) (?:the )?(?:owner|manager|decision[- ]maker|"
         r"person (?:who|in charge))", 2.5), (r"who (?:handles|is in charge of) (?:your|the)", 2.5),
        (r"merchant services|credit card processing|payment processing", 3), (r"staffing|recruit(?:ing|er)", 2),
        (r"(?:more|new) (?:leads|customers|patients|clients) (?:for your|to your)", 2.5), (r"your website", 1.5),
        (r"(?:calling|reaching out) (?:from|on behalf of) [\w' ]{2,40}(?:marketing|media|solutions|consulting|"
         r"supply|supplies|group|agency|digital)", 2.5), (r"(?:wholesale|bulk) (?:pricing|supplies|order)", 2),
        (r"(?:offer|offering) (?:your business|businesses)", 2.5),
        (r"sponsor(?:ship)?|advertis(?:e|ing) (?:with|in)", 2),
        (r"(?:business|commercial) (?:loan|funding|financing|energy)", 2),
        (r"yelp|google ads|ppc|reviews? for your", 1.5),
        (r"(?:sell|selling|supplier|distributor|vendor)", 1), (r"(?:introduce|introducing) (?:our|my|myself)", 1.5),
        (r"(?:with|from) [\w' ]{1,30}(?:marketing|staffing|media|solutions|consulting|supply|supplies|agency|digital|"
         r"leads|seo|partners|recruiting|software|equipment)\b", 2.5), (r"(?:ranking|rank) (?:in|on|higher|first)", 2),
        (r"(?:are|if|whether) you(?: guys)? (?:are )?(?:hiring|looking for (?:techs|staff|help|workers))", 2.5),
        (r"we (?:place|provide|supply) [\w' ]{0,30}(?:to|with|for) (?:contractors|businesses|companies|firms|"
         r"offices)", 2.5),
        (r"how(?:'s| is| are) (?:your day|you today)|how're you doing", 1),
        (r"is this the (?:owner|broker|manager|person who)|(?:get|reach|speak (?:with|to)|talk (?:with|to)) "
         r"(?:your|the) (?:owner|broker|decision)", 2.5),
        (r"free trial|free demo|(?:schedule|book|offer|offering|do) a (?:free )?demo|who (?:would|should) be the right "
         r"person", 2.5),
        (r"we(?:'re| are) (?:a )?[\w ]{0,25}(?:software|platform|app|supplier|distributor|agency)\b", 2.5),
        (r"my direct line|took over (?:the|this) territory|(?:pallet|volume|bulk) (?:deal|pricing|discount)", 2),
        (r"we provide [\w ]{0,30}(?:leads|services|software|supplies|staff)", 2.5),
    ],
    "existing_customer": [
        (r"past[- ]due|(?:my|the|our) balance", 2.5), (r"pay (?:it|that|this) off|autopay|card on file", 2),
        (r"on the schedule|(?:have|need) to move (?:it|my|our)", 2.5),
        (r"\w+ (?:was|were|came) out (?:here |there )?(?:last|on|yesterday|this)", 2.5),
        (r"i have an? (?:cleaning|appointment|visit|service call|checkup|check-up|consult\w*) (?:on|at|for|this|next|"
         r"scheduled|booked)|need to (?:move|reschedule|push) (?:it|my|the)", 2.5),
        (r"(?:i'm|i am|we're|we are) (?:one of )?your [\w ]{0,20}(?:customers?|clients?|patients?)|"
         r"(?:i'm|i am|we're|we are) on (?:the|your) [\w ]{0,20}(?:plan|program|contract|club|membership)", 3),
        (r"your (?:guy|tech|technician|crew|team|installer)s? (?:was|were|came) (?:just )?(?:here|out)|i see you\b", 2),
        (r"(?:it's|is) doing it again|same (?:issue|problem) as before|callback on the same", 2.5),
        (r"you (?:sold|bought|listed|handled|insured) (?:our|my)", 3),
        (r"(?:my|our) (?:last|previous|recent) (?:visit|appointment|service|cleaning|job|install|installation|repair)",
         2.5), (r"(?:check|checking) (?:on|in on) (?:my|our|the)|status of (?:my|our|the)", 2.5),
        (r"(?:my|our|the) (?:car|truck|vehicle|van)(?:'s| is) (?:ready|done|still)", 2.5),
        (r"(?:change|update|cancel|renew) (?:my|our) (?:policy|coverage|appointment|plan|address|card|payment|"
         r"service)", 3), (r"questions? (?:about|on) (?:my|our|the) (?:bill|invoice|statement|policy|estimate|quote|"
                            r"proposal|treatment plan)", 3),
        (r"(?:started|is|it's) (?:leaking|acting up|doing it|making (?:that|the) noise) again|came back again", 2),
        (r"(?:i see|i've got|i have) (?:you|your (?:account|file|policy)|it) (?:here|up|in (?:the|our) system)", 2),
        (r"(?:what's|can i get|do you have) (?:your|the) (?:account|policy|claim|invoice|order|work order|job|case) "
         r"number", 2.5),
        (r"(?:my|our|the) (?:appointment|invoice|bill|statement|account|policy number|claim|warranty claim|"
         r"work order|job|crew|technician|tech|installer|agent|case|file|closing|treatment plan|refill)", 1.5),
        (r"reschedul|cancel (?:my|our|the) (?:appointment|service|visit)|"
         r"confirm (?:my|our|the) (?:appointment|visit)", 2.5),
        (r"(?:you|you guys|your (?:guys|team|crew|company|tech|technician|office))(?: just)? (?:came out|installed|did|"
         r"replaced|fixed|put in|were here|serviced|worked on|treated|cleaned)", 3),
        (r"(?:i'm|i am|we're|we are) (?:a |an )?(?:current|existing|regular|returning)? ?(?:patient|client|"
         r"customer|policyholder|member) (?:of|with|at|there|here)", 3),
        (r"(?:already|currently) (?:a |an )?(?:patient|client|customer|insured|have a policy)", 3),
        (r"following up (?:on|about)", 2), (r"(?:last|earlier this) (?:week|month|year|time)(?:,)? (?:you|your)", 2),
        (r"(?:still|again) (?:leaking|broken|not working|making (?:that|the) noise)", 2),
        (r"callback from|call(?:ing)? back about", 1.5),
        (r"(?:under|on) (?:the |our |your )?(?:workmanship )?warranty|my case|my claim|my policy|my account", 1.5),
        (r"(?:pull up|find|look up|found) your (?:account|file|record|chart|policy)|"
         r"(?:number|address|card) on file", 2),
        (r"(?:was|were) (?:here|out) (?:last|on|yesterday)", 2.5),
        (r"(?:the|my) (?:quote|estimate) (?:you|your) (?:sent|gave)", 2),
        (r"(?:payment|pay (?:my|the|our) (?:bill|invoice|balance))", 2.5), (r"(?:our|my) (?:file|case) (?:number)?", 1),
        (r"i have my [\w ]{0,15}(?:insurance|policy|account|plan) with you|(?:add|put) [\w ]{1,20}(?:on|onto) my "
         r"(?:policy|plan|account)", 3), (r"sent (?:me|us) (?:a|the|our) (?:proposal|quote|estimate|contract)|"
                                           r"quote number|invoice (?:says|number)|the quote was", 2.5),
        (r"you guys put|put (?:my|our|the) [\w ]{1,15} in\b|(?:came|come) out (?:last|on|yesterday)", 2.5),
        (r"you don't know me|(?:my|our) (?:neighbor|friend|sister|brother|coworker|cousin)(?:'s| who| recommended)|"
         r"never (?:used|called) you", -3),
        (r"\bon file\b|under (?:our|your) [\w ]{0,12}warranty", 2),
        (r"(?:you|you guys|you all|y'all|your (?:crew|team|guys|company))(?: are| were)? (?:in the middle of|replaced|"
         r"installed|redid|built|put in|came out|fixed|worked on|treated|sprayed|did our|did my)", 3),
        (r"i'm on your|i(?:'m| am) signed up for your|i dropped (?:off|it off)", 2.5),
        (r"(?:is|it's|if it's) (?:it )?ready\b", 1.5),
        (r"(?:got|received|have) (?:a|the|my|your) (?:bill|invoice|statement)", 2.5),
        (r"with dr\.? [a-z]+ (?:a|last|on)", 2),
        (r"(?:is|are) (?:due|coming up) for (?:my|our|the)|my (?:spring |fall |annual )?(?:tune-up|service|cleaning) "
         r"is due", 2.5),
    ],
}
_COMPILED = {cls: [(re.compile(p, re.I | re.M), w) for p, w in cues] for cls, cues in _CUES.items()}
# Fixed wording: a matched phrase can carry a name or a number, and reasons reach logs and the dashboard.
_REASONS = {
    "spam_or_robocall": "automated or spam call (recorded message, prompts to press a key, warranty or listing pitch)",
    "wrong_number": "caller was trying to reach a different business or person",
    "vendor_or_solicitation": "a vendor or solicitor selling to the business, not a customer",
    "existing_customer": "an existing customer calling about their current service, appointment or bill",
}
_THRESHOLD = 2.5  # cue weight a class needs before it overrides "new lead"
_MIN_CALLER_WORDS = 8
_CUT_OFF = re.compile(r"(?:are you|you) still there|you(?:'re| are) (?:cutting|breaking) out|breaking up|inaudible|"
                      r"bad (?:connection|signal)|every (?:other|third) word|they(?:'re| are) gone|"
                      r"(?:call|line) (?:dropped|cut out|went dead)|hello\?\s*(?:hello|anyone)|i(?:'m| am) driving|"
                      r"hang on,? hang on", re.I)
_VOICEMAIL = re.compile(r"leave (?:a|your) (?:message|name)|after the (?:tone|beep)|voicemail|mailbox", re.I)


_ASKS_IF_CUSTOMER = re.compile(
    r"\b(?:are|is) (?:you|this) (?:already |currently )?(?:a |an )?(?:current |existing |established |returning )?"
    r"(?:patient|customer|client|member|policyholder)s?\b|have you (?:been (?:here|in|to us|with us) before|used us|"
    r"been a (?:patient|customer|client))|(?:are|were) you (?:already )?(?:with us|in our system)|"
    r"have we (?:worked with|seen|been out to) you", re.I)
_YES = re.compile(r"^\W*(?:yes|yeah|yep|yup|i am|we are|uh-huh|sure am|we have|i have)\b", re.I)
_NO = re.compile(r"^\W*(?:no|nope|not yet|first time|never|not really|we're new|i'm new)\b", re.I)


def _answered_if_customer(turns: list[Turn]) -> bool | None:
    """The caller's yes or no to the agent's "are you already a customer?", None when never asked."""
    for question, answer in zip(turns, turns[1:], strict=False):
        if question.speaker == AGENT and answer.speaker != AGENT and _ASKS_IF_CUSTOMER.search(question.text):
            if _YES.search(answer.text):
                return True
            if _NO.search(answer.text):
                return False
    return None


@dataclass(frozen=True)
class CallClassMatch:
    call_class: str
    reason: str
    confidence: float


def classify(turns: list[Turn], has_need: bool, has_contact: bool) -> CallClassMatch:
    spoken = caller_turns(turns)
    caller_words = sum(len(t.text.split()) for t in spoken)
    all_text = " ".join(t.text for t in turns)
    if not all_text.strip():
        return CallClassMatch("incomplete", "no speech in the recording (silence or an empty call)", 0.95)
    scores: dict[str, float] = {}
    caller_text = "\n".join(t.text for t in spoken)
    for call_class, patterns in _COMPILED.items():
        # The agent's side tells too: "we're a different office", "let me pull up your account".
        text = caller_text if call_class == "vendor_or_solicitation" else "\n".join(t.text for t in turns)
        for pattern, weight in patterns:
            if pattern.search(text):
                scores[call_class] = scores.get(call_class, 0) + weight
    said_if_customer = _answered_if_customer(turns)
    if said_if_customer is not None:  # "Are you already a patient with us?" "No, first time."
        scores["existing_customer"] = scores.get("existing_customer", 0) + (3 if said_if_customer else -3)
    if has_need:  # a stated need pulls towards a lead; robocalls and wrong numbers rarely have one
        scores["wrong_number"] = scores.get("wrong_number", 0) - 1.5
        for call_class in ("vendor_or_solicitation", "existing_customer"):
            scores[call_class] = scores.get(call_class, 0) - 0.5
    ranked = sorted(((s, c) for c, s in scores.items() if s >= _THRESHOLD), reverse=True)
    if ranked:
        score, call_class = ranked[0]
        return CallClassMatch(call_class, _REASONS[call_class],
                              round(min(0.95, 0.55 + score / 10), 2))
    if caller_words < _MIN_CALLER_WORDS and not has_contact:
        reason = "reached voicemail" if _VOICEMAIL.search(all_text) else "call ended before the caller stated a need"
        return CallClassMatch("incomplete", reason, 0.8)
    if not has_contact and _CUT_OFF.search(all_text) and caller_words < 5 * _MIN_CALLER_WORDS:
        return CallClassMatch("incomplete", "call was cut off before the caller stated a need", 0.7)
    if not has_need and not has_contact and caller_words < 3 * _MIN_CALLER_WORDS:
        return CallClassMatch("incomplete", "call ended before the caller stated a need", 0.6)
    return CallClassMatch("new_lead", "caller asked about a service" if has_need else "caller left details "
                          "without naming a service", 0.75 if has_need else 0.55)
