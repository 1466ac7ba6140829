"""Route catalogues: every trailhead of a region × durations × kinds, on Dask."""
