"""The former name of `app.services.state_machine.StateMachine`."""

from app.services.state_machine import StateMachine as Actions

__all__ = ["Actions"]
