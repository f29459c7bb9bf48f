"""The smart waitlist and self-reschedule by text (WL and RSC rows).

``setup_waitlist(app)`` registers the JSON API, the Hub's waitlist page, the self-schedule
pages, the dialog flows (waitlist offer, waitlist invitation, reschedule options) and the
background worker that consumes domain events and runs the sweeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from gateway.keys import CLOCK, DB, SETTINGS
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.keys import WAITLIST_DEPS, WAITLIST_WORKER
from gateway.waitlist.schedule import ScheduleFactory, embedded_schedule
from gateway.waitlist.worker import WaitlistWorker

__all__ = ["STATIC", "install_flows", "setup_waitlist"]

STATIC = Path(__file__).parent / "static"


def install_flows(app: web.Application) -> bool:
    """Register our prompt flows with the dialog manager and tell the responder that a
    self-reschedule flow exists. False when the dialogs part is not set up (yet)."""
    from dialogs.flows import reschedule, waitlist_offer
    from gateway.dialog_responder import DIALOG_MANAGER, DialogResponder
    from gateway.inbound.keys import RESPONDER

    manager = app.get(DIALOG_MANAGER)
    if manager is None:
        return False
    for flow in (waitlist_offer.OFFER_FLOW, waitlist_offer.INVITE_FLOW, reschedule.FLOW):
        manager.register(flow)
    responder = app.get(RESPONDER)
    if isinstance(responder, DialogResponder):
        responder.reschedule_flow = True
    return True


def _routes(app: web.Application) -> None:
    from gateway.waitlist import api_entries as e
    from gateway.waitlist import api_offers as o
    from gateway.waitlist import hub_page, self_schedule_page

    r = app.router
    r.add_get("/api/waitlist/entries", e.list_entries)
    r.add_post("/api/waitlist/entries", e.create_entry)
    r.add_post("/api/waitlist/entries/bulk", e.bulk_create)
    r.add_post("/api/waitlist/entries/remove", e.bulk_remove)
    r.add_post("/api/waitlist/entries/upload", e.upload_csv)
    r.add_patch("/api/waitlist/entries/{entry_id}", e.update_entry)
    r.add_delete("/api/waitlist/entries/{entry_id}", e.delete_entry)
    r.add_get("/api/waitlist/slots", o.list_slots)
    r.add_post("/api/waitlist/slots", o.publish)
    r.add_post("/api/waitlist/slots/upload", o.upload_slots)
    r.add_post("/api/waitlist/slots/{slot_id}/offer", o.offer_by_hand)
    r.add_delete("/api/waitlist/slots/{slot_id}", o.withdraw)
    r.add_get("/api/waitlist/offers", o.list_offers)
    r.add_get("/api/waitlist/offers/active", o.active_offers)
    r.add_post("/api/waitlist/offers/{offer_id}/approve", o.approve_offer)
    r.add_post("/api/waitlist/offers/{offer_id}/decline", o.decline_offer)
    r.add_get("/api/waitlist/dashboard", o.dashboard)
    r.add_get("/api/patients/{patient_id}/waitlist-offers", o.patient_offers)
    r.add_get("/api/reschedule/sessions", o.list_sessions)
    r.add_get("/hub/waitlist", hub_page.page)
    r.add_static("/hub/waitlist/static", STATIC, follow_symlinks=False)
    r.add_get("/p/self-schedule/{appointment_id}", self_schedule_page.show_page)
    r.add_post("/p/self-schedule/{appointment_id}", self_schedule_page.book_page)
    r.add_get("/p/self-schedule-static/page.css", hub_page.page_css)


def setup_waitlist(
    app: web.Application,
    *,
    schedule: ScheduleFactory = embedded_schedule,
    background: bool = True,
    event_interval: float = 1.0,
    sweep_interval: float = 30.0,
) -> None:
    """Register the waitlist on ``app`` (needs SETTINGS, CLOCK and DB).

    Args:
        app: the application, before start-up. Register it after ``setup_dialogs`` (or the
            flows are installed at start-up).
        schedule: where bookings go (Careline's own appointments by default).
        background: run the worker (events and sweeps) while the app runs; tests turn it off
            and call ``app[WAITLIST_WORKER].run_once()``.
        event_interval: seconds between looks at new domain events.
        sweep_interval: seconds between sweeps.
    """
    settings = app[SETTINGS]
    deps = WaitlistDeps(schedule=schedule, public_url=settings.public_url,
                        secret=settings.resolved_secret_key())
    app[WAITLIST_DEPS] = deps
    app[WAITLIST_WORKER] = WaitlistWorker(app[DB], deps, app[CLOCK],
                                          event_interval=event_interval,
                                          sweep_interval=sweep_interval)
    _routes(app)
    if not install_flows(app):
        async def late_install(app: web.Application) -> None:
            install_flows(app)

        app.on_startup.append(late_install)

    async def worker(app: web.Application) -> AsyncIterator[None]:
        if background:
            app[WAITLIST_WORKER].start()
        yield
        await app[WAITLIST_WORKER].stop()

    app.cleanup_ctx.append(worker)
