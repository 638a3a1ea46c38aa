"""Benchmarks, run on demand (``python -m bench`` or ``tox -e bench``), never as timed unit tests.

Every figure is a ratio measured in one run on one machine against a baseline on the same machine
(the machines here are 2 noisy cores, so absolute times mean little).
"""
