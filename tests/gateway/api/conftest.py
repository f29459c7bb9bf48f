"""Fixtures of the Hub's tests (see tests/gateway/hub/harness.py)."""

from tests.gateway.hub.harness import hub, hub_template

__all__ = ["hub", "hub_template"]
