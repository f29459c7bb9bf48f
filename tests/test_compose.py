"""docker-compose.yml describes the scale-out topology and validates with the compose tool."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_topology() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"gateway", "dispatcher", "postgres", "redis", "migrate"} <= set(services)
    assert services["dispatcher"]["command"] == ["careline", "worker"]
    assert services["gateway"]["environment"]["CARELINE_RUN_DISPATCHER"] == "false"
    for name in ("gateway", "dispatcher"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_compose_config_validates() -> None:
    command = compose_command()
    if command is None:
        if os.environ.get("CARELINE_REQUIRE_SERVICES"):
            pytest.fail("no docker compose tool to validate docker-compose.yml")
        pytest.skip("no docker compose tool")
    env = {**os.environ, "CARELINE_SECRET_KEY": "test-secret"}
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stderr
