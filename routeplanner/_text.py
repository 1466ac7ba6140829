"""Text from untrusted sources (OSM names) made safe to print on a terminal."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["one_line", "strip_escapes", "terminal_safe"]

# C0 and C1 controls and DEL: escape sequences (ESC, CSI, OSC) start with one.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
# An escape sequence's parameters are printable: drop them with the ESC.
_ESCAPE_RE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL or ST (window titles, links)
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI (colours, cursor moves, clearing)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -/]*[0-~]?"  # other two-character escapes
)


def strip_escapes(text: object) -> str:
    r"""Remove terminal escape sequences whole (ESC, CSI, OSC with their parameters).

    >>> strip_escapes("Refugi\x1b[31m de Coma\x1b[0m")
    'Refugi de Coma'
    """
    return _ESCAPE_RE.sub("", str(text))


def terminal_safe(text: object) -> str:
    r"""Strip control characters and escape sequences from text printed on a terminal.

    Whole escape sequences are removed (so ``ESC]0;title BEL`` leaves no
    ``]0;title``), other control characters and bidirectional overrides become
    nothing, tabs and newlines become spaces.  Files keep the original text;
    this is only for terminal output.

    Parameters
    ----------
    text
        Any value; it is converted with ``str``.

    Returns
    -------
    str
        The text without control characters.

    Examples
    --------
    >>> terminal_safe("Cam\x1b]0;pwned\x07í de la Portella")
    'Camí de la Portella'
    """
    s = strip_escapes(text)
    s = re.sub(r"[\t\n\r\v\f]", " ", s)
    s = _CONTROL_RE.sub("", s)
    # Bidirectional overrides and isolates can reorder what follows on the line.
    return "".join(c for c in s if unicodedata.category(c) != "Cf" or c in "\u200d\u200c")


def one_line(text: object, *, word_limit: int = 120) -> str:
    r"""Make a message one safe terminal line, however long the values it quotes.

    :func:`terminal_safe`, runs of white space as one space, and any word longer
    than `word_limit` characters (a value of thousands of digits, a pasted file)
    cut in its middle, with the number of characters left out.

    Parameters
    ----------
    text
        Any value; it is converted with ``str``.
    word_limit
        Longest word kept whole.

    Returns
    -------
    str
        The line.

    Examples
    --------
    >>> one_line("invalid pace '" + "9" * 500 + "':  use 4:30", word_limit=30)
    "invalid pace '999999999…(488 more)…999': use 4:30"
    """

    def cut(m: re.Match[str]) -> str:
        word = m.group(0)
        head, tail = word_limit // 3, word_limit // 6
        return f"{word[:head]}…({len(word) - head - tail} more)…{word[-tail:]}"

    line = " ".join(terminal_safe(text).split())
    return re.sub(rf"\S{{{word_limit + 1},}}", cut, line)
