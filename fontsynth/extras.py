"""Optional dependencies: a clear message, not an ImportError, when an extra is missing."""

from __future__ import annotations

import importlib

from fontsynth.errors import UserError


def require(module: str, extra: str, purpose: str):
    """Import `module`, or raise a UserError telling which `pip install` brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"{purpose} needs {module}, which is not installed; install it with: pip install -e \".[{extra}]\"") from None
