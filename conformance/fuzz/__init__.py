"""The fuzz phase: schemathesis-generated requests from openapi/mpsd.yaml, judged per requirement.

Scenario checks test what the document says; fuzzing finds what nobody wrote down (a 5xx on odd
input, an answer that breaks its own schema, an invalid body accepted, a state sequence that loses
a write). Each finding is mapped to a ledger requirement, so it lands in the same report.
"""
