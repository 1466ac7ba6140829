"""Shared docstring fragments: one text for what several functions document alike.

Where functions take the same parameters with the same meaning, their numpydoc
docstrings name a fragment on a line of its own, ``%(name)s``, and :func:`fill` puts the
fragment's text there, indented like the placeholder. This is the pattern of scipy's
``doccer`` and matplotlib's ``_docstring.interpd``: ``help()`` and the doctests see the
whole text, and the source keeps one copy of it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["fill", "filled"]

T = TypeVar("T")

_PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.MULTILINE)


def filled(doc: str, fragments: Mapping[str, str]) -> str:
    r"""Put each fragment's text in place of its placeholder line.

    Parameters
    ----------
    doc
        A docstring; a line that holds only ``%(name)s`` is a placeholder.
    fragments
        Text by name. It is dedented, then indented like its placeholder.

    Returns
    -------
    str
        ``doc`` with every placeholder line replaced; other ``%`` signs are left alone.

    Raises
    ------
    KeyError
        If ``doc`` names a fragment that ``fragments`` does not hold (so a misspelt
        name fails on import).

    Examples
    --------
    >>> doc = "Add two arrays.\n    %(xy)s\n    (50 % each)"
    >>> print(filled(doc, {"xy": "x, y\n    Arrays of one shape."}))
    Add two arrays.
        x, y
            Arrays of one shape.
        (50 % each)
    """

    def put(match: re.Match[str]) -> str:
        indent, name = match.groups()
        text = textwrap.dedent(fragments[name]).strip("\n")
        return "\n".join(indent + line if line else line for line in text.splitlines())

    return _PLACEHOLDER.sub(put, doc)


def fill(**fragments: str) -> Callable[[T], T]:
    """Fill the placeholders of the decorated function's or class's docstring.

    Parameters
    ----------
    **fragments
        Text by name (see :func:`filled`).

    Returns
    -------
    callable
        The decorator; it returns the object itself, with its ``__doc__`` filled.
    """

    def decorate(obj: T) -> T:
        if obj.__doc__:  # None under ``python -OO``
            obj.__doc__ = filled(obj.__doc__, fragments)
        return obj

    return decorate
