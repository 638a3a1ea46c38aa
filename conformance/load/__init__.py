"""``mpsd-conformance load``: many simulated players at once, judged against the ledger's load invariants.

The hardest bugs of a session directory show only under concurrency (two joiners admitted to the
last seat, two winners of one If-Match race, an acknowledged write lost). This package drives
players with Locust and judges what they saw. Locust monkey-patches the process with gevent when it
is imported, so only ``players`` and ``driver`` import it, and only the ``load`` command's run
imports them: the pytest plugin, ``run`` and the checks never do. ``options`` (the command's
flags, in every command's parser), ``observe``, ``invariants`` and ``plan`` are plain Python.
"""
