"""Hooks for the ``st run`` baseline: the same MPSD checks and document-wins filter as the fuzz phase,
so the engine alone does the same judging work on the same cases."""

from __future__ import annotations

import schemathesis

from conformance.fuzz import checks  # noqa: F401 - registers the MPSD checks
from conformance.fuzz.engine import document_wins

schemathesis.hook("filter_failure")(document_wins)
