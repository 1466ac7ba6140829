"""The runner's pace: the time model, its fit to recordings, the profile file, the day spread.

- :mod:`~routeplanner.pace.model` — runner profiles and the one time formula (re-exported
  here, so ``from routeplanner import pace; pace.RunnerProfile`` keeps working);
- :mod:`~routeplanner.pace.grade` — the grade models (``mountain``, ``minetti``, ``tobler``);
- :mod:`~routeplanner.pace.curve_fit` — the ``mountain`` curve and fatigue term fitted to
  steep recordings;
- :mod:`~routeplanner.pace.recording` — a GPS recording prepared for fitting (stops and rests
  cut, positions and elevations smoothed);
- :mod:`~routeplanner.pace.fitting` — a profile fitted to prepared recordings;
- :mod:`~routeplanner.pace.profile_file` — the profile's TOML file;
- :mod:`~routeplanner.pace.spread` — how much a runner's days differ, and the range of times.
"""

from routeplanner.pace.model import *  # noqa: F403
from routeplanner.pace.model import __all__ as __all__
