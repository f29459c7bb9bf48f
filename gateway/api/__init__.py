"""The Hub's JSON API: sign-in, chats, patients, the message library, the team, settings.

Documented by ``openapi.yaml`` (served at ``/api/openapi.json``). ``activity.py`` (outbox
activity lists) belongs to the outbox part; the Hub's auth layer scopes it.
"""
