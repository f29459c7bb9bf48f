"""``careline classify``: classify replies read from standard input, one per line.

Writes one JSON object per line: ``{"text", "intent", "language", "confidence"}`` plus
``"option"`` when a choice was made. A line that is not valid UTF-8 is reported on standard error
with its line number and skipped; the exit code is then 2.

Register as a subcommand with ``add_arguments(subparser)`` and ``run(args, stdin, stdout)``, or
call ``main(argv_after_classify, stdin, stdout)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from dialogs.understanding.classifier import classify
from dialogs.understanding.intents import Classification, Context

__all__ = ["add_arguments", "main", "run"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``classify`` options to ``parser`` (a subparser of ``careline``).

    Args:
        parser: the parser to extend; ``run`` expects the attributes it defines.
    """
    parser.add_argument(
        "--context",
        choices=[c.value for c in Context],
        default=Context.REMINDER.value,
        help="the prompt the replies answer (default: reminder)",
    )
    parser.add_argument(
        "--options",
        type=_non_negative,
        default=0,
        metavar="N",
        help="number of numbered choices offered; 1..N then select an option (default 0)",
    )
    parser.add_argument(
        "--strict-yes-no",
        action="store_true",
        help="only the plain words for yes and no confirm or cancel (REM-57)",
    )
    parser.add_argument(
        "--language",
        default=None,
        metavar="CODE",
        help="the patients' language (ISO 639 code), to settle words that languages share",
    )


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone parser of ``careline classify``."""
    parser = argparse.ArgumentParser(
        prog="careline classify",
        description="Classify patient replies read from stdin (one per line) into intents; "
        "writes one JSON object per line.",
    )
    add_arguments(parser)
    return parser


def run(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Classify every line of ``stdin`` and write the results to ``stdout``.

    Args:
        args: parsed options (see ``add_arguments``).
        stdin: the replies, one per line; read as bytes through ``stdin.buffer`` when there is
            one, so that invalid UTF-8 is caught per line.
        stdout: where the JSON lines go.
        stderr: where problems are reported (default ``sys.stderr``).

    Returns:
        0, or 2 when at least one line was not valid UTF-8 (those lines are skipped).
    """
    errors = stderr if stderr is not None else sys.stderr
    context = Context(args.context)
    status = EXIT_OK
    for number, line in _lines(stdin):
        if line is None:
            print(
                f"careline classify: line {number}: not valid UTF-8; skipped",
                file=errors,
            )
            status = EXIT_BAD_INPUT
            continue
        result = classify(
            line,
            context=context,
            options=args.options,
            strict_yes_no=args.strict_yes_no,
            language_hint=args.language,
        )
        stdout.write(json.dumps(_record(line, result), ensure_ascii=False) + "\n")
    stdout.flush()
    return status


def main(
    argv: Sequence[str] | None, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Run ``careline classify`` with the arguments that follow ``classify``.

    Args:
        argv: the options, e.g. ``["--context", "feedback"]``; None reads ``sys.argv[1:]``.
        stdin: the replies, one per line.
        stdout: where the JSON lines go.
        stderr: where problems are reported (default ``sys.stderr``).

    Returns:
        The exit code: 0, or 2 for invalid UTF-8 input (argparse exits 2 on bad options).
    """
    args = build_parser().parse_args(argv)
    return run(args, stdin, stdout, stderr)


def _record(text: str, result: Classification) -> dict[str, object]:
    record: dict[str, object] = {
        "text": text,
        "intent": result.intent.value,
        "language": result.language,
        "confidence": result.confidence,
    }
    if result.option is not None:
        record["option"] = result.option
    return record


def _strip_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _lines(stdin: TextIO) -> Iterator[tuple[int, str | None]]:
    """Number the lines of ``stdin``; None stands for a line that is not valid UTF-8."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        for number, raw in enumerate(buffer, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, _strip_newline(text)
        return
    number = 0
    try:
        for number, text in enumerate(stdin, start=1):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                yield number, None  # undecodable bytes smuggled in as surrogates
                continue
            yield number, _strip_newline(text.removeprefix("\ufeff") if number == 1 else text)
    except UnicodeDecodeError:
        yield number + 1, None  # a text stream cannot resume after a decoding error
