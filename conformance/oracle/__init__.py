"""The differential oracle (``run --oracle``): every request the target answered is also sent, in
the same order and with the same identities, to two instances of the embedded reference, and what
the target answered otherwise than the reference is reported as a divergence.

A check can only fail what its requirement states; the oracle shows what no requirement reaches.
Its parts, each with one job:

- ``document``: what the OpenAPI document says an answer carries (the only parts compared);
- ``normalize``: an answer as the comparison reads it, its volatile values replaced;
- ``allow``: the differences the latitude model allows (``latitude.yaml``'s ``oracle`` entries);
- ``translate``: a request made fit for a reference (the target's ETags and member indices);
- ``signature``: what a divergence is called and the key it is grouped by;
- ``nearest``: the ledger requirements nearest to a divergence, or a gap when there are none;
- ``log``: what one process saw, handed to the controller and grouped there;
- ``mirror``: the thread that sends each exchange to the references and compares the answers.

A divergence is an observation, never a verdict: the mirror runs beside the checks and changes
neither what the target is sent nor how its answers are judged.
"""
