"""``python -m conformance.reference``: the same command as ``mpsd-conformance serve``."""

from __future__ import annotations

import argparse
import sys

from conformance.reference import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.reference", description=serve.DESCRIPTION)
    serve.add_arguments(parser)
    return serve.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
