"""Hand-written scenario checks, one module per area of the contract.

Each test carries ``@requirement("ID")`` from the ledger, arranges its own sessions under fresh
names (``mpsd.create`` and friends block the test instead of failing it when the target cannot
even do that), sends one request, and judges the answer with ``conformance.expect``.
Run them with ``mpsd-conformance run`` or ``pytest --pyargs conformance.scenarios --mpsd-config FILE``.
"""

import pytest

# The marker naming the ledger requirement(s) a check judges, one spelling for every module.
requirement = pytest.mark.requirement
