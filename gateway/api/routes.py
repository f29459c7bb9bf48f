"""The routes of the Hub API (documented in ``openapi.yaml``)."""

from __future__ import annotations

from aiohttp import web

from gateway.api import (
    admin,
    conversations,
    library,
    notifications,
    patients,
    secure,
    session,
    team,
    tokens,
)
from gateway.api.openapi import OPENAPI, load_openapi, serve_openapi
from gateway.hub.live import events

__all__ = ["setup_api"]

C = "/api/conversations/{conversation_id}"


def setup_api(app: web.Application) -> None:
    """Register every ``/api`` route of the Hub and load the OpenAPI document."""
    app[OPENAPI] = load_openapi()
    r = app.router
    r.add_get("/api/openapi.json", serve_openapi)
    r.add_get("/api/session", session.get_session)
    r.add_post("/api/session", session.sign_in)
    r.add_delete("/api/session", session.sign_out)
    r.add_post("/api/session/password", session.change_password)
    r.add_get("/api/events", events)
    r.add_get("/api/directory", team.directory)
    r.add_get("/api/conversations", conversations.list_conversations)
    r.add_post("/api/conversations/bulk", conversations.bulk)
    r.add_get(C, conversations.get_conversation)
    r.add_patch(C, conversations.update_conversation)
    r.add_post(f"{C}/assign", conversations.assign)
    r.add_post(f"{C}/close", conversations.close)
    r.add_post(f"{C}/reopen", conversations.reopen)
    r.add_post(f"{C}/read", conversations.mark_read)
    r.add_post(f"{C}/messages", conversations.send_message)
    r.add_post(f"{C}/notes", conversations.add_note_handler)
    r.add_post(f"{C}/identity", conversations.identify)
    r.add_post(f"{C}/secure-messages", secure.send_secure_message)
    r.add_get("/api/patients", patients.search_patients)
    r.add_get("/api/patients/{patient_id}", patients.get_patient)
    r.add_patch("/api/patients/{patient_id}", patients.update_patient)
    r.add_get("/api/shortcuts", library.list_shortcuts)
    r.add_post("/api/shortcuts", library.create_shortcut)
    r.add_patch("/api/shortcuts/{shortcut_id}", library.update_shortcut)
    r.add_delete("/api/shortcuts/{shortcut_id}", library.delete_shortcut)
    r.add_get("/api/notifications", notifications.list_notifications)
    r.add_post("/api/notifications/read", notifications.read_notifications)
    r.add_get("/api/tokens", tokens.list_tokens)
    r.add_post("/api/tokens", tokens.create_token)
    r.add_delete("/api/tokens/{token_id}", tokens.revoke_token)
    r.add_post("/api/users", team.create_user)
    r.add_patch("/api/users/{user_id}", team.update_user)
    r.add_post("/api/groups", team.create_group)
    r.add_get("/api/settings/hub", admin.get_hub_settings)
    r.add_patch("/api/settings/hub", admin.update_hub_settings)
    r.add_get("/api/audit", admin.list_audit)
