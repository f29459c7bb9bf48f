"""The bot engine, as a visitor experiences it: the Welcome menu, user flows, the system flows
(Are you still there?, session timeout, End conversation, Feedback, Connect with staff)."""

from __future__ import annotations

from dialogs.bot.catalog import Catalog
from dialogs.bot.session import SessionStatus
from dialogs.bot.state import ActionCall, ActionResult, BotState
from tests.dialogs.bot.driver import HAPPY, Visitor, examples_catalog


def test_welcome_offers_the_flows_and_talking_to_staff() -> None:
    visitor = Visitor()
    (menu,) = visitor.says("hello there")
    assert menu.splitlines()[-5:] == [
        "1. Ask a nurse", "2. Book an appointment", "3. Request a prescription refill",
        "4. Check symptoms before a visit", "5. Talk to our team",
    ]
    assert visitor.state.flow == "welcome"


def test_ask_a_nurse_hands_the_chat_to_staff_who_then_answer() -> None:
    visitor = Visitor()
    assert visitor.says("Ask a nurse")[-1] == "What is your full name?"
    visitor.says("Jordan Avery")
    visitor.says("03/14/1985")
    visitor.says("jordan@example.com")
    said = visitor.says("Is a rash after my vaccine normal?")
    assert said == ["Thank you, Jordan. Your question is with our nurses; they will answer here."]
    assert visitor.calls == ["hand_over"]
    assert visitor.state.status is SessionStatus.STAFF
    assert "handed_over" in visitor.events
    assert visitor.says("hello?") == [] and visitor.events[-1] == "to_staff"


def test_the_hand_over_summary_carries_the_answers() -> None:
    seen: list[ActionCall] = []

    def outcomes(call: ActionCall, state: BotState) -> ActionResult:
        seen.append(call)
        return HAPPY[call.name]

    visitor = Visitor(outcomes=outcomes)
    for text in ("3", "Jordan Avery", "1985-03-14", "Lisinopril 10 mg", "Main St Pharmacy", "No",
                 "212 555 0123"):
        visitor.says(text)
    (call,) = seen
    assert call.name == "hand_over"
    assert call.params["summary"] == (
        "Refill request from Jordan Avery (born 1985-03-14): Lisinopril 10 mg; pharmacy: "
        "Main St Pharmacy; not urgent; reach at +12125550123")


def test_an_answer_not_understood_is_asked_again_with_its_options() -> None:
    visitor = Visitor()
    visitor.says("Book an appointment")
    (retry,) = visitor.says("Jordan")
    assert retry == "Please type your first and last name, for example Jordan Avery."
    assert visitor.state.step == "name"
    (menu,) = Visitor().says("what?")
    assert menu.endswith("5. Talk to our team")


def test_booking_needs_the_code_and_books_the_chosen_time() -> None:
    tries = iter(["wrong", "verified"])
    booked: list[object] = []

    def outcomes(call: ActionCall, state: BotState) -> ActionResult:
        if call.name == "book":
            booked.append(state.data.get("_slot_id"))
        if call.name == "check_code":
            outcome = next(tries)
            return ActionResult(outcome, {"attempts_left": "4", "code": ""})
        return HAPPY[call.name]

    visitor = Visitor(outcomes=outcomes)
    visitor.says("2")
    visitor.says("Jordan Avery")
    assert visitor.says("3/14/1985") == [
        "I sent a code to your phone number ending in 0123. Please type it here."]
    assert not visitor.state.verified
    assert visitor.says("111111") == [
        "That code doesn't match. Please check it and try again (4 tries left)."]
    (times,) = visitor.says("222222")
    assert visitor.state.verified and "verified" in visitor.events
    assert times.splitlines()[-2:] == ["1. Mon, Nov 23 at 9:00 AM", "2. Tue, Nov 24 at 10:30 AM"]
    said = visitor.says("2")
    assert said[0] == ("You're booked for Mon, Nov 23 at 9:00 AM. We'll send you a reminder "
                       "before your visit.")
    assert booked == ["s2"]
    assert visitor.state.flow == "end"
    assert visitor.calls == ["identify", "send_code", "check_code", "check_code", "find_slots",
                             "book"]


def test_an_unknown_visitor_may_try_again_or_talk_to_staff() -> None:
    visitor = Visitor(outcomes=lambda call, state: (
        ActionResult("not_found") if call.name == "identify" else HAPPY[call.name]))
    visitor.says("Book an appointment")
    visitor.says("Jordan Avery")
    (choice,) = visitor.says("3/14/1985")
    assert choice.endswith("1. Try again\n2. Talk to our team")
    assert visitor.says("Talk to our team")[-1] == (
        "I'll pass your message on to our team. What is your full name?")
    assert visitor.state.flow == "connect_with_staff"


def test_still_there_then_carry_on_where_the_visitor_was() -> None:
    visitor = Visitor()
    visitor.says("Ask a nurse")
    (prompt,) = visitor.idles()
    assert prompt.endswith("1. Yes, I'm here\n2. End the chat")
    assert visitor.state.status is SessionStatus.CHECKING
    assert visitor.says("Yes, I'm here") == ["Great, let's carry on.", "What is your full name?"]
    assert visitor.state.status is SessionStatus.BOT


def test_still_there_accepts_the_answer_to_the_pending_question() -> None:
    visitor = Visitor()
    visitor.says("Ask a nurse")
    visitor.idles()
    assert visitor.says("Jordan Avery") == [
        "What is your date of birth? For example 03/14/1985."]


def test_no_answer_to_still_there_ends_the_session_and_a_new_message_starts_over() -> None:
    visitor = Visitor()
    visitor.says("Ask a nurse")
    visitor.idles()
    (notice,) = visitor.times_out()
    assert notice.startswith("We didn't hear back, so this chat has ended.")
    assert visitor.state.status is SessionStatus.CLOSED
    assert visitor.events[-2:] == ["closed", "timed_out"]
    assert visitor.idles() == [] and visitor.times_out() == []
    visitor.says("hi")
    assert visitor.state.flow == "welcome" and visitor.state.status is SessionStatus.BOT
    assert "restarted" in visitor.events


def test_end_the_chat_from_still_there_asks_for_feedback_then_closes() -> None:
    visitor = Visitor()
    visitor.says("Ask a nurse")
    visitor.idles()
    (rating,) = visitor.says("End the chat")
    assert rating.startswith("Before you go, how would you rate this chat")
    visitor.says("Great")
    assert visitor.state.data["rating"] == "5"
    (goodbye,) = visitor.says("skip")
    assert goodbye.startswith("Thanks for chatting with us.")
    assert visitor.state.status is SessionStatus.CLOSED and visitor.calls == ["save_feedback"]


def test_end_conversation_offers_to_start_again() -> None:
    visitor = Visitor()
    for text in ("Check symptoms before a visit", "No", "No", "No", "No"):
        said = visitor.says(text)
    assert said[-1].endswith("1. Yes, start again\n2. No, that's all")
    assert visitor.says("Yes, start again")[-1].endswith("5. Talk to our team")
    assert visitor.state.flow == "welcome"


def test_staff_rewording_reaches_the_visitor() -> None:
    catalog = examples_catalog({"session.still_there": "Still with us, {first_name}?",
                                "session.still_there.options.1": "I'm here",
                                "end.menu.options.1": "Start over"})
    visitor = Visitor(catalog=catalog)
    visitor.says("Ask a nurse")
    visitor.says("Jordan Avery")
    assert visitor.idles() == ["Still with us, {first_name}?\n\n1. I'm here\n2. End the chat"]


def test_a_flow_removed_meanwhile_sends_the_visitor_back_to_welcome() -> None:
    visitor = Visitor()
    visitor.says("Ask a nurse")
    visitor.catalog = Catalog([])
    (menu,) = visitor.says("Jordan Avery")
    assert menu.endswith("1. Talk to our team") and visitor.state.flow == "welcome"


def test_waiting_for_staff_hands_over_first_if_the_flow_did_not() -> None:
    visitor = Visitor()
    for text in ("Check symptoms before a visit", "No", "Yes", "Yes, message our team",
                 "Jordan Avery", "jordan@example.com"):
        visitor.says(text)
    visitor.says("I have a fever, can I still come?")
    assert visitor.calls == ["hand_over"] and visitor.state.status is SessionStatus.STAFF
