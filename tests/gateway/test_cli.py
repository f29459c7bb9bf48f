"""The careline command: help on every command, migrations, demo data, clear errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import build_parser, main


def run(tmp_path: Path, *argv: str, **environ: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), environ={"CARELINE_DATA_DIR": str(tmp_path), **environ}, stdout=out)
    return code, out.getvalue()


def test_every_command_has_help() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        assert sub.format_help(), name
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--demo" in result.stdout


def test_db_upgrade_then_demo_data_then_refuses_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(tmp_path, "db", "upgrade")
    assert code == 0 and "revision" in out
    code, out = run(tmp_path, "demo-data", "--patients", "40")
    assert code == 0 and "loaded" in out
    code, _ = run(tmp_path, "demo-data")
    assert code == 1
    assert "already has data" in capsys.readouterr().err
    code, out = run(tmp_path, "db", "current")
    assert code == 0 and out.strip() != "none"


def test_configuration_error_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(tmp_path, "db", "current", CARELINE_DATABASE_URL="mysql://x/y")
    assert code == 2
    assert "CARELINE_DATABASE_URL" in capsys.readouterr().err


def test_bad_arguments_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(tmp_path, "demo-data", "--patients", "0")
    assert code == 2 and "--patients" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        run(tmp_path, "serve", "--port", "eighty")
    assert exit_.value.code == 2


def test_classify_command_writes_one_json_line_per_reply() -> None:
    import json

    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "classify"],
        input=b"C\nSTOP\nWhat time?\n",
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["intent"] for line in lines] == ["confirm", "stop", "unknown"]
    assert set(lines[0]) >= {"text", "intent", "language", "confidence"}
