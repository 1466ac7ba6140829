"""Region files: the catalog, downloads, OSM ways and DEM rasters."""
