"""The inbound pipeline: every patient message, on every channel, is stored once and handled
in order per conversation, then handed to a Responder."""
