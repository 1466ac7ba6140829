"""Region files: the catalog, downloads, OSM ways and DEM rasters."""

#: The file parameter of the OSM readers (``osm``, ``pois``, ``forest``), for
#: :func:`routeplanner._docstrings.fill`.
OSM_PATH_DOC = "path\n    An OSM file: ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``."
