"""The shape of one language's keyword table (the data lives in ``languages/``).

Every entry is a word or phrase as a patient would type it, accents and all; the lexicon runs
each through the same normalisation as the replies. An entry that starts with ``=`` counts only
when it is the whole reply (after punctuation, emoji and case are normalised): use it for words
that are too common to mean the intent inside a longer sentence ("here", "voy", "ครับ").

Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese; Korean is treated
the same way because its words carry endings) are matched as substrings of a word, longest
first; a one-character entry in those scripts only counts as a whole word, and a yes/no entry
only at the start of a word.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LanguageTable"]


@dataclass(frozen=True, slots=True)
class LanguageTable:
    """Words and phrases of one language, grouped by what they mean.

    Attributes:
        code: ISO 639-1 code (ISO 639-2 where there is none, e.g. ``"hmn"``).
        name: English name of the language.
        yes: the plain word(s) for "yes": the only affirmatives accepted in strict yes/no mode.
        no: the plain word(s) for "no": the only negatives accepted in strict yes/no mode.
        affirm: other affirmative answers ("ok", "sure"): they confirm only as an answer to a
            prompt, never in an open chat.
        deny: other negative answers ("nope").
        confirm: statements that confirm an appointment ("I'll be there").
        decline: statements of not coming ("can't make it"); negative in themselves, so a
            nearby "no" or "not" reinforces rather than contradicts them.
        cancel: requests to cancel an appointment ("cancel my appointment").
        reschedule: requests for another time ("can I change the time").
        arrived: the patient is at the clinic ("I'm here", "in the parking lot").
        leave_waitlist: requests to leave the waitlist.
        help: words asking for the help text; whole reply only.
        opt_out: unambiguous requests to stop all messages ("stop texting me"); they opt out
            wherever they appear in a reply (``=`` entries only as the whole reply).
        neutral: words that carry no intent (greetings, thanks, "appointment", pronouns): they
            are not held against a match.
        negators: words that negate what follows ("not", "don't").
        negators_after: words that negate what precedes (Hindi "नहीं" after a verb).
        contrast: "but" words: an answer followed by a "but" needs a person.
        questions: question words ("when", "where"): a question needs a person.
        question_particles: particles that make a sentence a yes/no question (Chinese "吗").
    """

    code: str
    name: str
    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    affirm: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    confirm: tuple[str, ...] = ()
    decline: tuple[str, ...] = ()
    cancel: tuple[str, ...] = ()
    reschedule: tuple[str, ...] = ()
    arrived: tuple[str, ...] = ()
    leave_waitlist: tuple[str, ...] = ()
    help: tuple[str, ...] = ()
    opt_out: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    negators_after: tuple[str, ...] = ()
    contrast: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    question_particles: tuple[str, ...] = ()
