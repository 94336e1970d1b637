"""Framework-free primitives: configuration, database, errors, clock, calendar, logging, security."""
