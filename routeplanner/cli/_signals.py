"""Ctrl-C and SIGTERM: end the run at once, cleanly, with one line and the usual exit code.

While a command runs, SIGINT and SIGTERM raise :class:`Interrupted` in the main
thread.  It is a :class:`BaseException` that click does not turn into its own
"Aborted!" (which prints an empty line first), so ``finally`` blocks run (a
catalogue closes its cluster, staged outputs are removed) and the entry point
prints one line and exits with 128 + the signal's number: 130 for Ctrl-C, 143
for SIGTERM.  Further signals during that clean-up are ignored, so it is not cut
short half-way.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Interrupted", "interruptible"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was interrupted by a signal.

    Attributes
    ----------
    signum : int
        The signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number."""
        return 128 + self.signum

    @property
    def what(self) -> str:
        """How the user would name it."""
        return "Ctrl-C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


def _raise(signum: int, _frame: FrameType | None) -> None:
    for s in _SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` for the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        signal.signal(s, _raise)
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
