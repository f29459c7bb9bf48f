"""Typed application keys: the dependencies every handler may reach (aiohttp ``AppKey``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry

from domain.clock import Clock
from domain.storage.database import Database
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.stores.factory import Stores

__all__ = ["CLOCK", "DB", "METRICS_REGISTRY", "SETTINGS", "STORES"]

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey("db", Database)
STORES = web.AppKey("stores", "Stores")
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
