"""Structured logging with a request id bound per request and carried into jobs."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# The keyword a queued job carries the request id under. It is not a Python identifier, so no job's
# own parameter can have this name: the worker takes it off before calling the job (app/worker).
JOB_REQUEST_ID = "pomoshnik.request_id"


def _add_request_id(
    _logger: object, _name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    rid = request_id_var.get()
    if rid is not None:
        event_dict.setdefault("request_id", rid)
    return event_dict


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    # Plain tracebacks: the pretty (rich) formatter renders locals and costs seconds per error.
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if json:
        processors += [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        processors.append(
            structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
        )
    # A logger keeps the processor list it was first used with (cached): the list is changed in
    # place, so that a later configuration (another app in the process, a test's capture) reaches it.
    configured: list[structlog.typing.Processor] = structlog.get_config()["processors"]
    configured[:] = processors
    structlog.configure(
        processors=configured,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
