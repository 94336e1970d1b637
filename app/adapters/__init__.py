"""Concrete integrations behind the ports of ``app.services.ports``: 1C, chat, email, amoCRM, post."""
