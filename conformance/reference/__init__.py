"""The reference MPSD service: the documented session PUT contract, with injectable named faults.

It is the conformance suite's default target and a local MPSD stand-in for game developers
(``mpsd-conformance serve`` / ``python -m conformance.reference``).
"""

from __future__ import annotations

from conformance.reference.app import create_app
from conformance.reference.config import ReferenceConfig
from conformance.reference.faults import FAULTS
from conformance.reference.server import ReferenceServer

__all__ = ["FAULTS", "ReferenceConfig", "ReferenceServer", "create_app"]
