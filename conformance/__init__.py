"""mpsd-conformance: does a service really implement the MPSD session PUT contract?"""

__version__ = "0.1.0"
