"""The example user flows every organisation starts with."""
