"""Talking HTTP to a target.

The transport (timeouts, pacing, retries), the MPSD client, redaction, and the transcript of each
exchange. Nothing here judges a response: checks and verdicts import from here, never the reverse.
"""
