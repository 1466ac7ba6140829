"""Exception hierarchy: one root, with builtin mix-ins where they help callers."""

from __future__ import annotations

__all__ = [
    "CoverageError",
    "DataError",
    "DownloadError",
    "InputError",
    "NoRouteError",
    "RangeError",
    "RoutePlannerError",
]


class RoutePlannerError(Exception):
    """Root of every error routeplanner raises on purpose."""


class InputError(RoutePlannerError, ValueError):
    """A value given by the user is invalid (pace, duration, coordinates, options)."""


class RangeError(InputError):
    """A number outside its range, checked where the value is used (a request object).

    The message names the value as the library knows it (``number of repeats``);
    :meth:`named` gives the same error naming it as a shell does (``--reps``).

    Parameters
    ----------
    what
        The value's name in the message.
    value
        The value given.
    lo, hi
        The range.
    text
        The message, a format string of ``what``, ``value``, ``lo`` and ``hi``.
    """

    def __init__(
        self,
        what: str,
        value: object,
        lo: float,
        hi: float,
        text: str = "invalid {what} {value!r}: must be {lo} to {hi}",
    ) -> None:
        self.what, self.value, self.lo, self.hi, self.text = what, value, lo, hi, text
        super().__init__(text.format(what=what, value=value, lo=lo, hi=hi))

    def __reduce__(self) -> tuple[type[RangeError], tuple[str, object, float, float, str]]:
        # pickled with its fields (it may cross from a worker process)
        return (RangeError, (self.what, self.value, self.lo, self.hi, self.text))

    def named(self, what: str) -> RangeError:
        """Return the same error naming the value as ``what`` (an option: ``--reps``)."""
        return RangeError(what, self.value, self.lo, self.hi, self.text)


class DataError(RoutePlannerError, OSError):
    """An input file is missing, truncated or not of the expected format."""


class DownloadError(RoutePlannerError, OSError):
    """Fetching data from a remote source failed or returned something unusable."""


class CoverageError(RoutePlannerError, ValueError):
    """A point or area lies outside the data (DEM or OSM) that was loaded."""


class NoRouteError(RoutePlannerError):
    """No route satisfying the request exists on the network."""
