"""Exceptions raised by bidopt.

Every error bidopt raises on purpose derives from :class:`BidoptError`, so a caller can
catch them all at once.  The concrete classes also derive from the built-in exception a
scientific Python user would expect (``ValueError`` for bad input, ``RuntimeError`` for a
solver that failed), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BidoptError",
    "IdentifiabilityWarning",
    "InfeasibleError",
    "InvalidInputError",
    "MissingColumnError",
    "MissingDependencyError",
    "SolverError",
]


class BidoptError(Exception):
    """Base class of every exception raised by bidopt."""


class InvalidInputError(BidoptError, ValueError):
    """An input does not meet its documented contract.

    The message names the parameter (or the row and column of a table), states the
    contract and shows the value received.
    """


class InfeasibleError(BidoptError, ValueError):
    """The constraints of a problem cannot all hold at once.

    Parameters
    ----------
    message : str
        What conflicts, by how much, and what is reachable.
    conflicts : mapping of str to float, optional
        Each conflicting constraint's name and its violation, in the constraint's own
        unit (yuan, or a fraction for shares), as a remedy-oriented summary.
    """

    def __init__(self, message: str, conflicts: Mapping[str, float] | None = None) -> None:
        super().__init__(message)
        self.conflicts: dict[str, float] = dict(conflicts or {})


class SolverError(BidoptError, RuntimeError):
    """A numerical solver failed to return a usable answer."""


class IdentifiabilityWarning(UserWarning):
    """The log cannot identify what a plan relies on (for example how keywords respond
    to a bid change, when their bids never varied).

    The message names the cause (which keywords, what the log lacks) and the remedy
    (what to vary or collect); the plan stays within what the evidence supports.
    """


class MissingDependencyError(BidoptError, ImportError):
    """An optional dependency (an extra such as ``bidopt[chinese]``) is not installed.

    The message names the feature, the package, and how to install it.
    """


class MissingColumnError(BidoptError, KeyError):
    """A table has no column of the requested name.

    The message names the column asked for and the columns available.
    """

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument (quotes and escapes): show the
        # message itself
        return str(self.args[0]) if self.args else ""
