"""``careline flows draw``: diagrams from the transition tables, and the docs kept in step."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from dialogs import drawing
from dialogs.flows import ALL_SPECS
from dialogs.flows.reminder import SPEC as REMINDER

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def run(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    drawing.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["flows", "draw", *argv])
    args.stdout = io.StringIO()
    code = args.handler(args, None)
    return code, args.stdout.getvalue()


def test_mermaid_shows_every_transition_of_the_table() -> None:
    text = drawing.mermaid(REMINDER)
    assert text.startswith("stateDiagram-v2\n    [*] --> awaiting_reply\n")
    assert "awaiting_reply --> confirmed: confirm [confirm_allowed] / confirmed" in text
    assert "cancelled --> cancelled: cancel / cancel_refused" in text
    assert "expired --> [*]" in text and "confirmed --> [*]" not in text
    declared = {s.value for s in REMINDER.states}
    used = set(re.findall(r"^    (\w+) -->", text, re.M)) | set(
        re.findall(r"--> (\w+):", text))
    assert used <= declared | {"*"}
    assert len(re.findall(r": \w+", text)) == len(drawing.edges(REMINDER))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[s.name for s in ALL_SPECS])
def test_every_waiting_state_handles_every_event_and_reaches_no_undeclared_state(
    spec: drawing.Spec,
) -> None:
    edges = drawing.edges(spec)
    for state in spec.waiting:
        handled = {label.split(" ")[0] for source, _, label in edges if source == state.value}
        assert handled == set(spec.events), f"{spec.name}.{state.value} misses events"
    for state in spec.terminal:
        assert not [e for e in edges if e[0] == state.value], "terminal states have no exits"


def test_the_cli_prints_mermaid_for_one_or_all_flows() -> None:
    code, out = run()
    assert code == 0
    assert out.count("stateDiagram-v2") == len(ALL_SPECS)
    code, out = run("--flow", "arrival")
    assert out.count("stateDiagram-v2") == 1 and "%% arrival" in out
    with pytest.raises(SystemExit):
        run("--flow", "nope")


def test_svg_without_graphviz_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(drawing.shutil, "which", lambda _: None)
    code, _ = run("--format", "svg", "--output", str(tmp_path))
    assert code == 1
    assert "Graphviz" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[s.name for s in ALL_SPECS])
def test_graph_machine_accepts_every_flow(spec: drawing.Spec) -> None:
    """The SVG path uses transitions' GraphMachine; its Mermaid engine needs no Graphviz."""
    source = drawing.graph_machine(spec, engine="mermaid").get_graph().draw(None)
    assert "stateDiagram-v2" in source
    for state in spec.states:
        assert state.name in source


def test_the_docs_show_the_current_diagrams() -> None:
    text = DOCS.read_text(encoding="utf-8")
    begin = text.index("<!-- flows:begin")
    section = text[text.index("-->", begin) + 3: text.index("<!-- flows:end -->")]
    assert section.strip() == drawing.markdown().strip(), (
        "docs/flows.md is stale: careline flows draw --format markdown")
