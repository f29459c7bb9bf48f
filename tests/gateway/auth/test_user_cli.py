"""``careline user create`` / ``careline user list``: accounts from the command line, with the
password never on the command line and errors that name the option."""

from __future__ import annotations

import getpass
import io
import json
from pathlib import Path

import pytest

from gateway.cli import main

PASSWORD = "a long enough password for tests"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(data_dir: Path, *argv: str, stdin: io.StringIO | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), environ={"CARELINE_DATA_DIR": str(data_dir)},
                stdin=stdin or io.StringIO(""), stdout=out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def clinic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("user-cli")
    code, _ = run(directory, "demo-data", "--patients", "5")
    assert code == 0
    return directory


def users(data_dir: Path) -> dict[str, dict[str, object]]:
    code, out = run(data_dir, "user", "list", "--json")
    assert code == 0
    return {u["email"]: u for u in map(json.loads, out.splitlines())}


def test_create_with_the_password_from_the_environment_then_list(
        clinic_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELINE_NEW_PASSWORD", PASSWORD)
    before = users(clinic_dir)
    group = "Riverbend Downtown front desk"
    code, out = run(clinic_dir, "user", "create", "--email", "robin@riverbend.example",
                    "--name", "Robin Reyes", "--role", "staff", "--group", group)
    assert code == 0 and "robin@riverbend.example" in out
    after = users(clinic_dir)
    assert set(after) - set(before) == {"robin@riverbend.example"}
    robin = after["robin@riverbend.example"]
    assert robin["role"] == "staff" and robin["name"] == "Robin Reyes"
    assert len(robin["groups"]) == 1  # type: ignore[arg-type]
    assert PASSWORD not in json.dumps(after)
    code, text = run(clinic_dir, "user", "list")
    assert code == 0 and "robin@riverbend.example\tstaff\tRobin Reyes" in text


def test_the_password_is_asked_twice_on_a_terminal(
        clinic_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELINE_NEW_PASSWORD", raising=False)
    asked: list[str] = []

    def typed(prompt: str = "") -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setattr(getpass, "getpass", typed)
    code, _ = run(clinic_dir, "user", "create", "--email", "sam@riverbend.example",
                  "--name", "Sam Ortiz", "--role", "manager", stdin=_Terminal())
    assert code == 0 and len(asked) == 2
    assert users(clinic_dir)["sam@riverbend.example"]["role"] == "manager"


def test_two_different_passwords_are_refused(
        clinic_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CARELINE_NEW_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    code, _ = run(clinic_dir, "user", "create", "--email", "kim@riverbend.example",
                  "--name", "Kim", "--role", "staff", stdin=_Terminal())
    assert code == 2 and "differ" in capsys.readouterr().err
    assert "kim@riverbend.example" not in users(clinic_dir)


def test_without_a_terminal_or_the_variable_it_refuses(
        clinic_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CARELINE_NEW_PASSWORD", raising=False)
    code, _ = run(clinic_dir, "user", "create", "--email", "lee@riverbend.example",
                  "--name", "Lee", "--role", "staff")
    assert code == 2 and "CARELINE_NEW_PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "status", "named"), [
    (["--email", "not-an-email", "--name", "X", "--role", "staff"], 2, "--email"),
    (["--email", "admin@riverbend.example", "--name", "X", "--role", "staff"], 1, "--email"),
    (["--email", "g@riverbend.example", "--name", "X", "--role", "staff",
      "--group", "No such group"], 2, "--group"),
    (["--email", "n@riverbend.example", "--name", "", "--role", "staff"], 2, "--name"),
])
def test_bad_input_names_the_option(
        clinic_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: list[str], status: int, named: str) -> None:
    monkeypatch.setenv("CARELINE_NEW_PASSWORD", PASSWORD)
    before = users(clinic_dir)
    code, _ = run(clinic_dir, "user", "create", *argv)
    assert code == status
    assert named in capsys.readouterr().err
    assert users(clinic_dir) == before


def test_an_unknown_role_is_refused(clinic_dir: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(clinic_dir, "user", "create", "--email", "r@riverbend.example", "--name", "R",
            "--role", "owner")
    assert exit_.value.code == 2
    assert "--role" in capsys.readouterr().err


def test_a_weak_password_is_refused(clinic_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CARELINE_NEW_PASSWORD", "short")
    code, _ = run(clinic_dir, "user", "create", "--email", "w@riverbend.example",
                  "--name", "W", "--role", "staff")
    assert code == 2 and "password" in capsys.readouterr().err
