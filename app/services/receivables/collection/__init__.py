"""The collection case (process 4, "when a debt is overdue"): one per client and overdue episode.

A state machine over the regulation's steps. People move it by actions (the guarantee letter came,
a negotiation call, the lawyer approves the claim, it is sent, the court); the worker's sweep moves
it by time. Any payment updates the open case; a payment of the whole overdue debt closes it at any
stage. The parts:

* ``policy``: every deadline, as pure functions of dates and the business calendar;
* ``steps``: what is due on a case on a day (``steps_due``), pure as well;
* ``workflow``: the transition table, the debt, the steps written as tasks once;
* ``sweep``: opening cases for overdue invoices, and applying the due steps batch by batch;
* ``cases``: reading, the scans, the guarantee letter, the calls, closing, payments;
* ``claim``: the claim letter (its typed view, the draft, approval, sending);
* ``post``: the registered letter's tracking and delivery receipt;
* ``court``: the court package and the court's fields;
* ``service``: ``CollectionService``, one entry for the routes and the jobs.
"""

from app.services.receivables.collection.claim import claim_text
from app.services.receivables.collection.service import CollectionService
from app.services.receivables.collection.workflow import ACTIONS, DRAFT_JOB

__all__ = ["ACTIONS", "DRAFT_JOB", "CollectionService", "claim_text"]
