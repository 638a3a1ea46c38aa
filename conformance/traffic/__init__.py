"""Traffic conformance: judge real exchanges, captured (``check-traffic``) or proxied (``proxy``).

``capture`` and ``har`` read HAR files and report transcripts into ``Record``s (``record``), with
every secret taken out; ``answers`` judges what one exchange shows, ``sessions`` what a session's
exchanges show in order, ``client`` what the requests break (``breaches`` reads a request's
breaches for both sides); ``fold`` makes the verdicts and the run's result; ``proxy`` forwards and
judges live; ``options`` and ``command`` are the two commands.
"""
