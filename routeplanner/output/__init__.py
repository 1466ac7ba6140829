"""Everything written for people and devices: GPX, GeoJSON, iCalendar, maps."""
