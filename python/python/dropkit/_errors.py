"""The exceptions of :mod:`dropkit`, raised with the messages the ``dropkit`` command prints."""

from __future__ import annotations

from typing import Any

__all__ = [
    "DropkitError",
    "KindError",
    "StandardizeError",
    "UnsupportedTypeError",
    "LengthMismatchError",
    "MatchError",
    "MappingError",
    "OutputExistsError",
    "StrictError",
]


class DropkitError(Exception):
    """Base class of every error dropkit raises."""

    def __init__(self, message: str, **attrs: Any) -> None:
        super().__init__(message)
        self.message = message
        for key, value in attrs.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message


class KindError(DropkitError, ValueError):
    """An unknown kind (``"emial"``), a wrong ``errors=`` value, or the wrong number of columns
    for a kind (NDZ takes four, NameVIN three, a field one)."""


class StandardizeError(DropkitError, ValueError):
    """A value DROP would refuse, with ``errors="raise"``.

    Attributes: ``row`` (0-based position in the input), ``field`` (``"vin"``, ...) and
    ``reason`` (the text ``dropkit hash`` prints after ``ERROR<TAB>``).
    """

    row: int
    field: str
    reason: str


class UnsupportedTypeError(DropkitError, TypeError):
    """An input that is not strings: a column of integers, a list holding a float, ..."""


class LengthMismatchError(DropkitError, ValueError):
    """The columns of a composite (NDZ, NameVIN) have different lengths."""


class MatchError(DropkitError):
    """A match could not run: unreadable download or records, ... (``dropkit match`` exit 1)."""


class MappingError(MatchError, ValueError):
    """The column mapping is not usable: an unknown field, no ``key``, a missing column."""


class OutputExistsError(MatchError, FileExistsError):
    """A status file exists already in the output directory (nothing is overwritten)."""


class StrictError(MatchError):
    """``strict=True``: the first broken record row or unreadable list row."""
