"""Each extraction rule on the written and spoken forms the issue lists (Whisper writes "415-555-0100",
"jane doe at gmail.com", "J-A-N-E"; people say "four one five", "double five", "dot", "underscore")."""

from __future__ import annotations

from datetime import date

import pytest

from leadline.domain.context import BusinessContext, Qualification, Service, ServiceArea
from leadline.domain.extraction.budget import extract_budget
from leadline.domain.extraction.emails import extract_email
from leadline.domain.extraction.names import extract_name
from leadline.domain.extraction.phones import extract_phone
from leadline.domain.extraction.project import extract_project
from leadline.domain.extraction.timeline import extract_timeline
from leadline.domain.extraction.turns import AGENT, CALLER, Turn, from_segments, from_text
from leadline.domain.rules import analyze_transcript

CALL_DAY = date(2026, 3, 4)


def said(*texts: str) -> list[Turn]:
    return [Turn(CALLER, t) for t in texts]


def dialogue(*lines: str) -> list[Turn]:
    return [Turn(AGENT if i % 2 == 0 else CALLER, line) for i, line in enumerate(lines)]


@pytest.mark.parametrize(("turns", "name"), [
    (dialogue("Thanks for calling Acme, this is Pat, how can I help?", "Hi Pat, my name's Rob — Robert Lane, "
              "L-A-N-E. I need a new roof."), "Robert Lane"),
    (dialogue("Acme Roofing, this is Sam.", "Hi Sam, I'm calling about a leak."), None),
    (dialogue("Acme Roofing, can I get your name?", "Marcus Bell."), "Marcus Bell"),
    (dialogue("Who am I speaking with?", "It's Tomás. Tomás Ibarra."), "Tomás Ibarra"),
    (dialogue("Who am I speaking with?", "Harper, H as in Henry, A-R-P-E-R."), "Harper"),
    (dialogue("Hello?", "Yes, this is Mrs. Eleni Papadopoulos."), "Eleni Papadopoulos"),
    (dialogue("Hello?", "My first name is Dmytro, D-M-Y-T-R-O, last name Shevchenko."), "Dmytro Shevchenko"),
    (dialogue("Hello?", "hi my name is siobhan o'malley and i need a plumber"), "Siobhan O'Malley"),
    (dialogue("Hello?", "My name is Lan — Nguyen Thi Lan."), "Nguyen Thi Lan"),
    (dialogue("Summit Roofing, Greg speaking.", "Hi Greg, Tomasz Nowak. I'm looking for a duplex."), "Tomasz Nowak"),
    (dialogue("Hello?", "I'm in Denver and I need a roof."), None),
    (dialogue("Brightside Dental. And you are?", "Faith.", "Faith, and your last name?",
              "Abernathy. A-B-E-R-N-A-T-H-Y."),
     "Faith Abernathy"),
    (dialogue("Northgate Auto, this is Jess.", "Hey Jess, it's Dmitri. Is my Camry done?", "Let me check, Dmitri. "
              "Last name?", "Volkov."), "Dmitri Volkov"),
    (dialogue("Greenway, this is Jess.", "I'm so sorry. This is his mom, Tanisha Brooks, I dialed wrong."),
     "Tanisha Brooks"),
    (dialogue("Name for the appointment?", "Miller. Rose.", "Rose Miller. And phone?", "Two oh six, five five five, "
              "zero one eight eight."), "Rose Miller"),
    (dialogue("Who am I talking with?", "Ferdinand Abara. Most people call me Ferdie."), "Ferdinand Abara"),
    (dialogue("Can I get your name?", "Sure. Last name is Grabowski, G-R-A-B-O-W-S-K-I. First name Piotr."),
     "Piotr Grabowski"),
    (dialogue("What's the name?", "Baek. B-A-E-K. First name Do-hyun."), "Do-hyun Baek"),
    (dialogue("Hello, this is Carmen.", "Hi Carmen. This is Ria Karagiannis. Eleftheria, technically, but Ria."),
     "Eleftheria Karagiannis"),
    (dialogue("Summit Roofing.", "This is Gus Papadopoulos. Well, Konstantinos, but everyone calls me Gus."),
     "Konstantinos Papadopoulos"),
    (dialogue("Can I get the patient's name?", "Liban Yusuf, he's eleven. I'm his mom, Hamdi Yusuf."), "Hamdi Yusuf"),
    (dialogue("Hi, this is Andre.", "Hi Andre. This is Phuong Le, I'm on your quarterly plan."), "Phuong Le"),
    (dialogue("And the name for the appointment?", "Oh my God, sorry. Shreya. Shreya Venkataraman."),
     "Shreya Venkataraman"),
    (dialogue("Bayside.", "My name's Derek, I'm with FlowMark Equipment.", "I can pass along a message.",
              "That'd be awesome. Derek Halvorsen, H-A-L-V-O-R-S-E-N."), "Derek Halvorsen"),
    (dialogue("And can I get a name for the—", "Hold on, that's my other line. Two to five is fine. Bye!"), None),
    (dialogue("Brightside Dental.", "I'm calling about my husband's cleaning. It is under Olumide Babajide. I'm his "
              "wife, Funmilayo.", "Was it with Dr. Ahmadi?", "No, it's Dr. Whitfield. Whitfield Dental?"),
     "Funmilayo"),
    (dialogue("I'll need a parent name.", "I'm his dad. Esteban. Same last name, Ruiz-Figueroa."),
     "Esteban Ruiz-Figueroa"),
    (dialogue("Guardian Pest, this is Yolanda.", "Hey Yolanda, this is, um, Wei Cheng. Cheng's the last name."),
     "Wei Cheng"),
    (dialogue("Hargrove Law.", "This is Mrs. Okafor, about a will.", "May I have your first name?",
              "Ngozi. N-G-O-Z-I."),
     "Ngozi Okafor"),
    (dialogue("And the name?", "That's right. Femi Oyelaran. Well, Oluwafemi, officially, but Femi's fine.",
              "Anyone else?", "Call my wife if I don't pick up. Her name's Bukola."), "Oluwafemi Oyelaran"),
    (dialogue("What's your full name?", "Full name's Katarzyna, it's a mouthful, K-A-T-A-R-Z-Y-N-A. Wroblewska, "
              "W-R-O-B-L-E-W-S-K-A."), "Katarzyna Wroblewska"),
    (dialogue("And your name?", "Mary Beth. Mary Beth Sokolowski. Same as the email."), "Mary Beth Sokolowski"),
    (dialogue("Name, phone, and email?", "Margaret, M-A-R-G-A-R-E-T. Last name O'Shaughnessy."),
     "Margaret O'Shaughnessy"),
    (dialogue("Who am I speaking with?", "Gustavo Peralta.", "And an email for the quote?", "G Peralta Mesa. That's "
              "G, P-E-R-A-L-T-A, M-E-S-A, at gmail dot com."), "Gustavo Peralta"),
])
def test_caller_name_never_the_agent(turns, name):
    found = extract_name(turns)
    assert (found.name if found else None) == name


@pytest.mark.parametrize(("turns", "name"), [
    (dialogue("Bayside Plumbing, this is Marco.", "Hey Marco, this is Danny, Daniel H. Wang.", "And an email?",
              "Emails dhwangicomcast.net, DHWANG."), "Daniel Hwang"),
    (dialogue("Bayside Plumbing, this is Marco.", "Hey Marco, this is Danny, Daniel H. Wang. I need a quote."),
     "Daniel H Wang"),
    (dialogue("Hargrove Law, this is Jordan.", "Hi Jordan, my name is White Chan, W-E-I-C-H-E-N."), "Wei Chen"),
    (dialogue("Can I get your name?", "Pre-uracanathan, R-A-G-H-U-N-A-T-H-A-N",
              "Thank you, Priya, and a phone number."), "Priya Raghunathan"),
])
def test_name_as_a_recogniser_splits_and_joins_it(turns, name):
    """Whisper on phone audio: "Hwang" as "H. Wang", "Wei Chen" as "White Chan", given name and surname as one
    word; a spelling, an address or the agent's thanks said in the call puts the name back together."""
    assert extract_name(turns).name == name


def test_name_corrected_by_its_spelling():
    found = extract_name(dialogue("Your name?", "Kathryn Lane, that's K-A-T-H-R-Y-N"))
    assert found.name == "Kathryn Lane" and found.confidence >= 0.9
    assert extract_name(dialogue("Your name?", "Katrin Lane, that's K-A-T-H-R-Y-N")).name == "Kathryn Lane"


@pytest.mark.parametrize(("text", "phone"), [
    ("Four one five, five five five, zero one eight eight.", "+14155550188"),
    ("It's 415-555-0188.", "+14155550188"),
    ("(512) 555 0143 is my cell", "+15125550143"),
    ("1-602-555-1934", "+16025551934"),
    ("plus one 720 555 0199", "+17205550199"),
    ("six oh two, double five five, one nine three four", "+16025551934"),
    ("area code 303, then 555, 01 77", "+13035550177"),
    ("my number is 415-555-0171, sorry, that's 0177 not 0171", "+14155550177"),
    ("five oh three, two two one, forty-five sixty", "+15032214560"),
    ("It's 512-555-192", "+15125550192"),  # the recogniser dropped the "oh" of "oh one nine two"
    ("the number I'm calling from is fine", None),
    ("we have a 2019 Honda with 62,000 miles and two kids", None),
])
def test_phone_in_every_form(text, phone):
    found = extract_phone(said(text))
    assert (found.e164 if found else None) == phone


@pytest.mark.parametrize(("texts", "phone"), [
    (("Eight four seven, five five five, zero one three zero.",
      "—no, sorry, zero one zero three. One oh three. Zero one zero three."), "+18475550103"),
    (("Phone's four oh four, five five five, zero one... three one.",
      "No, three one. Zero one three one. You flipped it."), "+14045550131"),
])
def test_a_corrected_line_number(texts, phone):
    assert extract_phone(said(*texts)).e164 == phone


def test_a_policy_number_is_no_phone_start():
    """Eight digits that make no number end at the turn: the next turn's year is not the rest of a phone."""
    assert extract_phone(said("K-I-G, four four seven one, zero nine two eight.", "The 2016 Civic.")) is None


def test_a_second_number_for_someone_else_is_not_the_callers():
    assert extract_phone(said("Seven seven three, five five five, zero one six zero. That's my cell. If I don't pick "
                              "up, my husband Adewale is at eight four seven, five five five, zero one nine two."
                              )).e164 == "+17735550160"


def test_a_number_whose_last_digit_comes_after_the_agents_interruption():
    assert extract_phone(said("5, 1, 2, 5, 5, 5, 0, 1, 6,", "6. A family at icloud.com.")).e164 == "+15125550166"


def test_phone_split_across_the_agents_questions():
    turns = [Turn(CALLER, "area code is 480"), Turn(AGENT, "480, and then?"), Turn(CALLER, "555"),
             Turn(AGENT, "mm-hm"), Turn(CALLER, "0199")]
    assert extract_phone([t for t in turns if t.speaker == CALLER]).e164 == "+14805550199"


@pytest.mark.parametrize(("text", "email"), [
    ("Sure, it's rob.lane91@yahoo.com.", "rob.lane91@yahoo.com"),
    ("My email is lee park nine one at yahoo dot com.", "leepark91@yahoo.com"),
    ("it's P-R-I-Y-A dot R at gmail", "priya.r@gmail.com"),
    ("m underscore torres at outlook dot com", "m_torres@outlook.com"),
    ("j dash kim at gmail dot com", "j-kim@gmail.com"),
    ("tran dot k eighty-seven at gmail", "tran.k87@gmail.com"),
    ("S-A-M-I-R dot H at proton mail dot com", "samir.h@protonmail.com"),
    ("jane doe at gmail.com", "janedoe@gmail.com"),
    ("It's J-Y dash Choi, C-H-O-I, at gmail dot com.", "jy-choi@gmail.com"),
    ("jamal dot w, W as in whiskey, at icloud dot com", "jamal.w@icloud.com"),
    ("dana at hargrove patel dot com", "dana@hargrovepatel.com"),
    ("I'll be at the office at five", None),
    ("Yes please. Magda dot Sokolova at outlook dot com.", "magda.sokolova@outlook.com"),
    ("Send it to Kofi dot A M at protonmail dot com.", "kofi.am@protonmail.com"),
    ("A Brandt at verizon dot net. A-B-R-A-N-D-T.", "abrandt@verizon.net"),
    ("H dot oseibonsu, the last name all one word, at sbcglobal dot net.", "h.oseibonsu@sbcglobal.net"),
    ("M-I-N-H-T-R-A-N-2-0-0-5, at heartmail.com, no dots", "minhtran2005@hotmail.com"),
    ("it's sam at email.com", "sam@email.com"),
    ("T, A, L, S, A, Y, E, D, at gmail dot com.", "talsayed@gmail.com"),
    ("hodan.abdi.rn@gmail.com — hodan dot abdi dot R N at gmail.", "hodan.abdi.rn@gmail.com"),
    ("anand dot k at krishnamurthy dash design dot com.", "anand.k@krishnamurthy-design.com"),
    ("Use youssef dot elamin, no dash there, at outlook dot com.", "youssef.elamin@outlook.com"),
    ("G Peralta Mesa. That's G, P-E-R-A-L-T-A, M-E-S-A, no spaces, at gmail dot com.", "gperaltamesa@gmail.com"),
    ("Uh, esteban r f at yahoo. E-S-T-E-B-A-N, R, F, at yahoo dot com, all one word.", "estebanrf@yahoo.com"),
    ("And email is lan dot nguyen dot t, like the letter T, at gmail.", "lan.nguyen.t@gmail.com"),
    ("Email is amara n b, the letters, at icloud dot com.", "amaranb@icloud.com"),
])
def test_email_written_spoken_and_spelled(text, email):
    assert extract_email(said(text)) == email


@pytest.mark.parametrize(("text", "email"), [
    ("Jane.Doe.gmail.com", "jane.doe@gmail.com"),
    ("It's jy-choi, ch-o-i-gmail.com.", "jy-choi@gmail.com"),
    ("cell 650-555-0157 emails dhwangicomcast.net DHWANG", "dhwang@comcast.net"),
    ("cell 650-555-0157 emails dhwangicomcast.net", "dhwangi@comcast.net"),
    ("MENTRAN, M-I-N-H-T-R-A-N-2005 at hotmail.com, no dots, no spaces.", "minhtran2005@hotmail.com"),
    ("Just look us up at www.outlook.com", None),
])
def test_email_as_a_recogniser_writes_it(text, email):
    """Whisper on phone audio swallows the "at" before a provider ("dhwangicomcast.net"), writes a quick
    spelling as one word in capitals ("DHWANG") and a spelling after a misheard word corrects it."""
    assert extract_email(said(text)) == email


def test_a_misheard_provider_the_agent_reads_back():
    heard = [Turn(CALLER, "M-I-N-H-T-R-A-N-2005 at hotbell.com, no dots."), Turn(AGENT, "Mentor 2005 at hotmail.com.")]
    assert extract_email(heard) == "minhtran2005@hotmail.com"
    assert extract_email(heard[:1]) == "minhtran2005@hotbell.com"


@pytest.mark.parametrize(("text", "budget"), [
    ("about 5k", (5000, 5000)),
    ("under 10 grand is what we can do", (None, 10000)),
    ("at least twenty thousand", (20000, None)),
    ("between eight and twelve thousand", (8000, 12000)),
    ("fifteen to twenty grand", (15000, 20000)),
    ("we can spend twelve thousand five hundred dollars", (12500, 12500)),
    ("around four hundred thousand", (400000, 400000)),
    ("a couple thousand", None),
    ("I have a 2019 Honda and live at 1420 Maple", None),
    ("my electric bill is $300 a month", None),
    ("I really can't do more than like four hundred today.", (None, 400)),
    ("if it's a rebuild, I can't do more than two thousand. The car is only worth maybe four.", (None, 2000)),
    ("I'd want to stay at fifteen thousand or under, all in.", (None, 15000)),
    ("They approved about sixteen thousand, and I don't want to go over that.", (None, 16000)),
    ("I'd like it to come in under four thousand a year.", (None, 4000)),
    ("I budgeted somewhere between three and four grand a year for all of it.", (3000, 4000)),
    ("I budgeted about two grand for the year.", (2000, 2000)),
    ("I'd want to keep it under forty-five hundred, honestly.", (None, 4500)),
    ("my water bill just came in at like three hundred and forty dollars", None),
    ("Our SDG&E bill last August was four hundred and twelve dollars.", None),
    ("My sister did it and she said she paid like five grand.", None),
    ("my deductible's a thousand bucks", None),
    ("they offered twenty-five hundred dollars if I sign", None),
    ("it is 2,000 square feet", None),
])
def test_budget_never_an_unrelated_number(text, budget):
    found = extract_budget(said(text))
    assert ((found.low, found.high) if found else None) == budget


def test_the_most_explicit_budget_wins():
    """Miles said with "about" earlier are not the budget the caller sets later."""
    found = extract_budget(said("About a hundred and eighteen thousand.",
                                "I just don't want to spend more than six hundred, so call me first."))
    assert (found.low, found.high) == (None, 600)


def test_budget_never_a_phone_digit_group():
    assert extract_budget(said("call me at 720 555 1234, budget 9000"), "+17205551234").high == 9000
    assert extract_budget(said("it's 720, 555, 5000"), "+17205555000") is None


@pytest.mark.parametrize(("text", "bucket"), [
    ("after the holidays", "1-3_months"), ("by mid-April", "1-3_months"), ("this weekend", "immediate"),
    ("as soon as humanly possible", "immediate"), ("no rush, just pricing it out", "exploring"),
    ("within the next two or three weeks", "within_month"), ("before my lease ends in June", "1-3_months"),
    ("sometime next year", "exploring"), ("end of next month", "1-3_months"), ("today if possible", "immediate"),
])
def test_timeline_phrase_and_bucket(text, bucket):
    found = extract_timeline(said(text), CALL_DAY)
    assert found.bucket == bucket and found.phrase.lower() in text.lower()


def test_timeline_is_the_answer_to_when_not_a_time_said_in_passing():
    turns = [Turn(CALLER, "It started this morning and it's been getting worse since last week."),
             Turn(AGENT, "Okay. When were you thinking of having someone out?"),
             Turn(CALLER, "Sometime in the next few weeks is fine.")]
    found = extract_timeline(turns, CALL_DAY)
    assert (found.phrase, found.bucket) == ("in the next few weeks", "within_month")


def test_timeline_wanted_over_mentioned():
    found = extract_timeline(said("We moved in back in October and the bill was huge in February.",
                                  "Ideally by the end of April, before it gets hot."), CALL_DAY)
    assert found.bucket == "1-3_months" and "April" in found.phrase
    assert extract_timeline(said("The ants started this morning."), CALL_DAY) is None


PLUMBING = BusinessContext(services=[
    Service(name="sewer line repair", synonyms=["sewer backup", "main line"]),
    Service(name="water heater", synonyms=["no hot water", "tankless"]),
    Service(name="drain cleaning", synonyms=["clogged drain", "slow drain"]),
], service_area=ServiceArea(cities=["Oakland", "Berkeley"]), qualification=Qualification(require_service_area=True))


@pytest.mark.parametrize(("text", "category"), [
    ("We need someone for our sewer line repair, it's backing up.", "sewer line repair"),
    ("We've had no hot water since Sunday.", "water heater"),
    ("The kitchen sink has a clogged drain again.", "drain cleaning"),
    ("Just wondering what your hours are.", None),
])
def test_project_from_the_tenants_services(text, category):
    found = extract_project(said(text), PLUMBING)
    assert (found.category if found else None) == category


def test_whole_analysis_speaker_aware_from_segments():
    segments = [
        {"speaker": "agent", "text": "Thanks for calling Bayside Plumbing, this is Dana.", "start": 0, "end": 2},
        {"speaker": "caller", "text": "Hi Dana, this is Rob Lane, we're in Oakland and have no hot water.",
         "start": 2, "end": 6},
        {"speaker": "agent", "text": "Sorry to hear it. Best number?", "start": 6, "end": 8},
        {"speaker": "caller", "text": "four one five, five five five, zero one eight eight. Today if you can. "
                                      "Budget's about 3 grand.", "start": 8, "end": 14},
    ]
    lead = analyze_transcript("", segments=segments, context=PLUMBING, call_date=CALL_DAY)
    assert (lead.call_class, lead.customer_name, lead.customer_phone, lead.project_category, lead.timeline,
            lead.budget_max, lead.in_service_area, lead.intent) == (
        "new_lead", "Rob Lane", "+14155550188", "water heater", "immediate", 3000, True, "high")
    assert "Rob" not in lead.summary and "0188" not in lead.summary


def test_diarized_speakers_find_the_agent():
    turns = from_segments([{"speaker": "speaker_2", "text": "Thanks for calling Acme, how can I help?"},
                           {"speaker": "speaker_1", "text": "Hi, I need a quote."}])
    assert [t.speaker for t in turns] == [AGENT, CALLER]


def test_plain_text_alternates_from_the_business_greeting():
    turns = from_text("Bayside Plumbing, this is Marco.\nHey Marco, this is Danny.", "Bayside Plumbing")
    assert [t.speaker for t in turns] == [AGENT, CALLER]


def test_a_robocall_has_no_contact():
    lead = analyze_transcript("Lakeshore Realty, Marcus speaking.\nHi! I'm Ava, an automated assistant conducting a "
                              "short survey. Press one to continue or call us back at four one four, five five five, "
                              "zero one nine nine.")
    assert lead.call_class == "spam_or_robocall"
    assert (lead.customer_name, lead.customer_phone, lead.customer_email) == (None, None, None)


def test_greeting_who_just_spoke_is_the_other_party():
    turns = from_text("Northgate Auto Care, Priscilla speaking.\nHi Priscilla, this is Grace Otieno-Wambui.\n"
                      "Hi Grace, let me find you. I have the Outback here.")
    assert [t.speaker for t in turns] == [AGENT, CALLER, AGENT]


def test_non_english_analysis_is_low_confidence():
    lead = analyze_transcript("Hola, me llamo Ana. Necesito un plomero.", language="es")
    assert all(value <= 0.3 for value in lead.confidence.model_dump().values())
    assert "needs review" in lead.summary


def test_empty_transcript_is_an_incomplete_call():
    lead = analyze_transcript("")
    assert (lead.call_class, lead.intent) == ("incomplete", "none")
    assert lead.class_reason == "no speech in the recording (silence or an empty call)"


def test_an_unpunctuated_whole_call_is_not_all_the_agents():
    """Recognisers can return a whole mono call as one stretch without punctuation: the greeting at its start
    does not make the caller's request the agent's."""
    run_on = ("hello thanks for calling yes hi i was wondering if you could help with some plumbing the water heater "
              "in the basement is making a strange noise and i am not sure what it is it has been doing that for a "
              "few weeks now i am just getting quotes okay that sounds good i will call back thanks bye")
    assert [turn.speaker for turn in from_text(run_on)] == [None]
    punctuated = from_text("Thanks for calling Acme, this is Pat. Hi, I need a new roof.")
    assert punctuated[0].speaker == AGENT
    lead = analyze_transcript(run_on)
    assert lead.call_class == "new_lead" and lead.project_phrase


@pytest.mark.parametrize(("lines", "call_class"), [
    (["Brightside Dental, this is Brianna.", "Hi, I cracked a molar last night and it's killing me. Can someone see "
      "me today? My number is 512 555 0148.", "Are you already a patient with us?", "No, first time. I'm in "
      "Pflugerville."], "new_lead"),
    (["Brightside Dental, this is Brianna.", "Hi, I cracked a molar last night. Can someone see me today?",
      "Are you already a patient with us?", "Yes, I've been coming for years."], "existing_customer"),
    (["Northgate Auto, Kenji speaking.", "Hi Kenji, I dropped off my Subaru on Monday for the transmission. Just "
      "checking if it's ready."], "existing_customer"),
    (["SunHarbor Solar, Alex speaking.", "Hey Alex, Jordan Reyes, I head up partnerships at BrightPath. We generate "
      "exclusive, pre-qualified solar appointments with homeowners in your county."], "vendor_or_solicitation"),
    (["Good morning, Brightside Dental.", "Hi. I have a cleaning on Friday at nine and I need to move it."],
     "existing_customer"),
    (["Greenway, this is Priya.", "Hi Priya, I'm one of your mowing customers. This is a new thing, I'd like a "
      "sprinkler system."], "existing_customer"),
    (["Guardian Pest.", "Hi, I'm on the quarterly plan. Ants again, and your guy was just here in June."],
     "existing_customer"),
    (["Lakeshore Realty.", "My dishwasher's broken, is this the management office?", "No, we're a brokerage, we "
      "don't manage that building. Where'd you get this number?", "A magnet on the fridge. Sorry."], "wrong_number"),
    (["Bayside Plumbing.", "My name's Derek, I'm with FlowMark Equipment. I'm offering a demo of our jetter. Who "
      "would be the right person, the owner?"], "vendor_or_solicitation"),
])
def test_call_class_from_what_the_agent_asked_and_the_caller_said(lines, call_class):
    assert analyze_transcript("\n".join(lines)).call_class == call_class
