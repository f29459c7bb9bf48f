"""The website chat bot's flows: declarative definitions (YAML/JSON) validated with errors that
name the line, compiled to ``transitions`` machines, and a pure engine that runs them together
with the system flows (Welcome, Are you still there?, session timeout, End conversation,
Feedback, Connect with staff)."""
