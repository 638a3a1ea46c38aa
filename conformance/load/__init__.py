"""``mpsd-conformance load``: many simulated players at once, judged against the ledger's load invariants.

The hardest bugs of a session directory show only under concurrency (two joiners admitted to the
last seat, two winners of one If-Match race, an acknowledged write lost). This package drives
players with Locust and judges what they saw. Locust monkey-patches the process with gevent when it
is imported, so only ``players``, ``driver`` and ``command`` import it, and only the ``load``
command imports them: the pytest plugin, ``run`` and the checks never do. ``observe`` and
``invariants`` are plain Python, shared with the tests and with ``coverage``.
"""
