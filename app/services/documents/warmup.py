"""Imported by the render processes' fork server only (the last of ``rendering.PRELOAD``).

A one-line document laid out there loads the fonts, Pango and WeasyPrint's stylesheets once, and
every render process forked from the server starts with them in pages it shares with the server
until it writes to them; then what the server holds is frozen out of the collector's passes, so a
render process's collections do not write to (and so copy) those pages either. Without this each
render process built all of it for itself: some 120 MB of its own, twice.
"""

from __future__ import annotations

import gc

from app.services.documents.invoice import html_to_pdf

html_to_pdf('<p lang="ru">Прогрев</p>')
gc.collect()
gc.freeze()
