"""A region's places for safety sheets, with which network points lie in forest.

Reading the places is a pass over the OSM file and testing every network point against
the forest takes seconds, so both are cached beside the network
(:mod:`routeplanner.network.sidecar`) when it has a cache folder, and read from there
after the first time.
"""

from __future__ import annotations

import os

import numpy as np

from routeplanner.network import sidecar
from routeplanner.network.model import Network
from routeplanner.sources.pois import Pois

__all__ = ["region_places"]


def region_places(
    net: Network, osm: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None
) -> tuple[Pois, np.ndarray | None]:
    """Return a region's places and which of ``net``'s profile points lie in forest.

    Parameters
    ----------
    net
        The region's network, as :func:`~routeplanner.network.build.load_network`
        returned it.
    osm
        The region's OSM file.
    cache_dir
        The cache folder the network was loaded with (None: no cache; the places are read
        from ``osm`` and the forest mask is None, so each sheet tests its own points).

    Returns
    -------
    tuple
        ``(pois, forest_mask)``.
    """
    from routeplanner.sources.forest import points_in_forest
    from routeplanner.sources.pois import read_pois  # looked up when called (tests replace it)

    side = sidecar.Sidecar.of(net, cache_dir)
    if side is None:
        return read_pois(osm), None
    cached = sidecar.load_safety_data(side, net)
    if cached is not None:
        return cached
    pois = read_pois(osm)
    mask = points_in_forest(np.asarray(pois.forest, dtype=object), net.prof_lon, net.prof_lat)
    sidecar.save_safety_data(side, pois, mask)
    return pois, mask
