"""Where the package's data files live, installed or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


def openapi_path() -> Path:
    """The OpenAPI document: shipped inside the wheel, or at the top of a source checkout.

    The canonical copy is the repository's ``openapi/mpsd.yaml``; the wheel carries it as
    package data so an installed suite does not depend on the checkout it came from.
    """
    packaged = Path(str(files("conformance") / "openapi" / "mpsd.yaml"))
    if packaged.is_file():
        return packaged
    return _PACKAGE.parent / "openapi" / "mpsd.yaml"


def ledger_path() -> Path:
    return _PACKAGE / "requirements.yaml"


def faultmodel_path() -> Path:
    return _PACKAGE / "faultmodel.yaml"


def latitude_path() -> Path:
    return _PACKAGE / "latitude.yaml"


def profiles_path() -> Path:
    return _PACKAGE / "profiles.yaml"


def selfproof_path() -> Path:
    """The self-test's scores this version ships with (tests/selfproof proves them equal)."""
    return _PACKAGE / "selfproof.json"


# libyaml's parser when PyYAML was built with it: the same documents, a tenth of the time, which
# every process of a run (each xdist worker, each self-test tenant's run) pays for the ledger, the
# fault model and the OpenAPI document.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, on libyaml where it is installed."""
    return yaml.load(text, Loader=_LOADER)
