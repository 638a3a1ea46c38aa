"""Where the package's data files live, installed or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

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
