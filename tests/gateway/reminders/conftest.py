"""Fixtures of the reminder tests that need the Hub (sign-in, roles, facilities)."""

from tests.gateway.hub.harness import hub_template

__all__ = ["hub_template"]
