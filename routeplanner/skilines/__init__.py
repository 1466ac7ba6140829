"""Ski lines: OSM pistes, user files and DEM fall lines, with their slopes."""
