"""``careline classify``: one JSON object per input line; bad UTF-8 is reported, not fatal."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs.understanding.cli import add_arguments, main, run


class BytesStdin(io.TextIOWrapper):
    """A text stream over bytes, like ``sys.stdin``."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")


def classify_lines(data: bytes, *argv: str) -> tuple[int, list[dict[str, object]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), BytesStdin(data), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_one_json_object_per_line() -> None:
    code, rows, err = classify_lines("YES\nno puedo ir\nSTOP\n👍\n\nwhat?\n".encode())
    assert code == 0 and err == ""
    assert [r["intent"] for r in rows] == ["confirm", "cancel", "stop", "confirm", "unknown",
                                            "unknown"]  # fmt: skip
    assert rows[0] == {"text": "YES", "intent": "confirm", "language": "en", "confidence": 0.95}
    assert rows[1]["language"] == "es"
    assert rows[3]["text"] == "👍"
    assert all("option" not in r for r in rows)


def test_context_and_options() -> None:
    code, rows, _ = classify_lines(b"2\n9\n", "--context", "reschedule_options", "--options", "3")
    assert code == 0
    assert rows[0] == {"text": "2", "intent": "option", "language": None, "confidence": 1.0,
                       "option": 2}  # fmt: skip
    assert rows[1]["intent"] == "unknown"
    _, rows, _ = classify_lines(b"9\n", "--context", "feedback")
    assert rows[0]["option"] == 9


def test_strict_yes_no() -> None:
    _, rows, _ = classify_lines(b"yes\nyeah\n", "--strict-yes-no")
    assert [r["intent"] for r in rows] == ["confirm", "unknown"]


def test_invalid_utf8_names_the_line_and_exits_2() -> None:
    code, rows, err = classify_lines(b"yes\n\xff\xfe bad\nno\r\n")
    assert code == 2
    assert "line 2" in err and "UTF-8" in err
    assert [r["text"] for r in rows] == ["yes", "no"]


def test_text_stream_without_buffer() -> None:
    out = io.StringIO()
    assert main([], io.StringIO("\ufeffC\nX"), out) == 0
    assert [json.loads(x)["intent"] for x in out.getvalue().splitlines()] == ["confirm", "cancel"]


def test_text_stream_with_undecodable_bytes_as_surrogates() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main([], io.StringIO("ok\nbad \udcff\n"), out, err) == 2
    assert "line 2" in err.getvalue()


def test_bad_options_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--context", "nowhere"], io.StringIO(""), io.StringIO(), io.StringIO())
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["--options", "-1"], io.StringIO(""), io.StringIO(), io.StringIO())


def test_registers_as_a_subcommand() -> None:
    parser = argparse.ArgumentParser(prog="careline")
    commands = parser.add_subparsers(dest="command", required=True)
    add_arguments(commands.add_parser("classify"))
    args = parser.parse_args(["classify", "--context", "waitlist_offer"])
    out = io.StringIO()
    assert run(args, io.StringIO("yes\nLEAVEWAITLIST\n"), out) == 0
    assert [json.loads(x)["intent"] for x in out.getvalue().splitlines()] == [
        "confirm", "leave_waitlist"]  # fmt: skip


def test_real_process_with_bad_bytes() -> None:
    script = ("import sys; from dialogs.understanding.cli import main; "
              "sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout))")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=b"Sim\n\xc3\x28\nSTOP\n",
        capture_output=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 2
    assert b"line 2" in done.stderr
    lines = done.stdout.decode().splitlines()
    assert [json.loads(x)["intent"] for x in lines] == ["confirm", "stop"]
