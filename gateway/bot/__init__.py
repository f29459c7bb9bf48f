"""The website chat bot (BOT): ``setup_bot(app)`` plugs the bot into the widget's
conversations, runs its inactivity timer and serves the widget, its configuration, the demo
and preview pages, and the staff API of flows."""

from gateway.bot.setup import setup_bot

__all__ = ["setup_bot"]
