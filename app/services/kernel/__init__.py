"""What every service stands on: the unit of work and its ports, the state machine and the history
it writes, permissions and scoped look-ups, pagination, the outbox and idempotency keys."""
