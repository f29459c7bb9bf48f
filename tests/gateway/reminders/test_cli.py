"""``careline preview-reminders``: the documented example works; bad input names the problem."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pytest

from gateway.reminders.cli import add_parser

DOC = Path(__file__).parents[3] / "docs" / "preview-reminders.md"


def example() -> str:
    found: list[str] = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return found[0]


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="careline")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["preview-reminders", *argv])
    args.stdin, args.stdout = io.StringIO(stdin), io.StringIO()
    code = args.handler(args, None)
    return code, args.stdout.getvalue()


def test_documented_example_prints_the_timeline(tmp_path: Path) -> None:
    path = tmp_path / "appointment.json"
    path.write_text(example(), encoding="utf-8")
    code, out = run([str(path)])
    assert code == 0
    entries = json.loads(out)["entries"]
    assert [(e["slot"], e["local"][:20]) for e in entries] == [
        ("c7", "Tue 03 Mar 2026 10:0"), ("c5", "Wed 04 Mar 2026 10:0"),
        ("c2", "Sat 07 Mar 2026 10:0")]
    assert entries[1]["rules"][-1]["rule"] == "REM-11"
    assert entries[2]["rules"][-1]["rule"] == "REM-52"


def test_reads_standard_input() -> None:
    code, out = run(["-"], example())
    assert code == 0 and json.loads(out)["zone"] == "America/Chicago"


def test_bad_json_names_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run([], '{\n  "facility": {"timezone": "America/Chicago"},\n  oops\n}')
    assert code == 2 and "line 3" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"patient": {}, "appointment": {"start": "2026-03-10T09:30"}}, "facility"),
        ({"facility": {"timezone": "Mars/Base"}, "patient": {},
          "appointment": {"start": "2026-03-10T09:30"}}, "facility.timezone"),
        ({"facility": {"timezone": "America/Chicago"}, "patient": {},
          "appointment": {"start": "soon"}}, "appointment.start"),
        ({"facility": {"timezone": "America/Chicago"}, "patient": {},
          "appointment": {"start": "2026-03-10T09:30"},
          "settings": {"cadence_days": [7, 99]}}, "settings.cadence_days[1]"),
        ({"facility": {"timezone": "America/Chicago"},
          "patient": {"contacts": [{"kind": "sms", "value": "12"}]},
          "appointment": {"start": "2026-03-10T09:30"}}, "patient.contacts[0].value"),
        ({"facility": {"timezone": "America/Chicago"}, "patient": {},
          "appointment": {"start": "2026-03-10T09:30"}, "colour": "red"}, "colour"),
    ],
)
def test_bad_field_is_named(document: dict[str, object], field: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run([], json.dumps(document))
    assert code == 2
    assert f": {field}: " in capsys.readouterr().err


def test_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run([str(tmp_path / "none.json")])
    assert code == 2 and "cannot read" in capsys.readouterr().err
