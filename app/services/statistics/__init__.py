"""The statistics of every process, computed in SQL; a section per process (see sections.py)."""

from app.services.statistics.service import StatisticsService

__all__ = ["StatisticsService"]
