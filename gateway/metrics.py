"""Prometheus metrics: request counts and latencies by route, plus the /metrics endpoint."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from gateway.keys import METRICS_REGISTRY

__all__ = ["Metrics", "metrics_handler", "metrics_middleware"]


class Metrics:
    """The application's own metrics, in a registry of its own (one per app, so tests can build
    many apps in one process)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "careline_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "careline_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        # labels() takes a lock and builds a key on every call: each labelled child is looked
        # up once and kept (the same children prometheus keeps, so no more of them).
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._latencies: dict[str, Histogram] = {}
        self.inbound = Counter(
            "careline_inbound_messages_total",
            "Inbound patient messages",
            ["channel", "outcome"],
            registry=registry,
        )
        self.outbound = Counter(
            "careline_outbound_messages_total",
            "Outbound messages by final state",
            ["channel", "state"],
            registry=registry,
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one HTTP request and record its latency."""
        counter = self._requests.get((route, method, status))
        if counter is None:
            counter = self._requests[(route, method, status)] = self.requests.labels(
                route, method, str(status))
        counter.inc()
        latency = self._latencies.get(route)
        if latency is None:
            latency = self._latencies[route] = self.latency.labels(route)
        latency.observe(seconds)


METRICS: web.AppKey[Metrics] = web.AppKey("metrics")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        request.app[METRICS].observe_request(
            name, request.method, status, time.perf_counter() - started)


async def metrics_handler(request: web.Request) -> web.Response:
    registry = request.app[METRICS_REGISTRY]
    response = web.Response(body=generate_latest(registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
