"""The agent's questions decide how the caller's next turns are read for the name (extraction/names.py's
question table): asked together, they are answered in the table's order, one caller turn each."""

from __future__ import annotations

from leadline.domain.extraction.names import extract_name
from leadline.domain.extraction.turns import AGENT, CALLER, Turn


def test_questions_asked_together_are_answered_in_turn():
    """ "What city are you in, and the surname?": the caller's next turn answers where, the one after it who."""
    turns = [Turn(AGENT, "Brightside Dental. And you are?"), Turn(CALLER, "Faith."),
             Turn(AGENT, "Thanks. What city are you in, and the surname for the file?"), Turn(CALLER, "Daly City."),
             Turn(CALLER, "Abernathy.")]
    assert extract_name(turns).name == "Faith Abernathy"


def test_a_surname_answer_is_not_read_again_as_the_whole_name():
    """ "And your last name?" asks for the name as well: the turn after the surname's answer is no answer."""
    turns = [Turn(AGENT, "Brightside Dental. And you are?"), Turn(CALLER, "Faith."),
             Turn(AGENT, "And your last name?"), Turn(CALLER, "Abernathy."), Turn(CALLER, "Harper Lee sent me.")]
    assert extract_name(turns).name == "Faith Abernathy"
