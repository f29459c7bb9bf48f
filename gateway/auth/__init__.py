"""Staff authentication and authorisation: argon2 passwords, server-side sessions with CSRF
tokens, lock-out, API tokens, roles, facility scoping, and the audit log.

``gateway.hub.setup_hub`` installs it; handlers of every part read the signed-in user with
``gateway.auth.request.current_principal(request)``.
"""
