"""Typed application keys: the dependencies every handler may reach (aiohttp ``AppKey``)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry

from domain.clock import Clock
from domain.storage.database import Database
from gateway.settings import Settings
from gateway.stores.factory import Stores

__all__ = ["CLOCK", "DB", "METRICS_REGISTRY", "SETTINGS", "STORES"]

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey("db", Database)
STORES: web.AppKey[Stores] = web.AppKey("stores")
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
