"""Concrete integrations behind the ports of ``app.services.kernel.ports``: 1C, chat, email, amoCRM, post."""
