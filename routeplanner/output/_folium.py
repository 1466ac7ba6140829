"""folium, imported without pandas: every map module imports folium from here.

folium's utilities import pandas when it is installed (osmnx installs it) only
to accept DataFrames as locations, which routeplanner never passes; importing
pandas takes longer than the rest of a map.  So the first import of folium here
hides pandas from it (``sys.modules["pandas"] = None`` makes ``import pandas``
fail inside folium, which then works on plain lists as always), and shows it
again at once.  The page folium renders is the same either way.  Nothing is
hidden when pandas is already loaded, or while other threads run (their imports
of pandas must not fail).
"""

from __future__ import annotations

import sys
import threading


def _hide_pandas() -> bool:
    """Hide pandas from the imports that follow; return whether it was hidden."""
    if "folium" in sys.modules or "pandas" in sys.modules or threading.active_count() > 1:
        return False
    sys.modules["pandas"] = None  # type: ignore[assignment]  # Python's own "not importable" marker
    return True


_hidden = _hide_pandas()
try:
    import folium
finally:
    if _hidden and sys.modules.get("pandas", False) is None:
        del sys.modules["pandas"]

__all__ = ["folium"]
