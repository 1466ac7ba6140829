"""Safety: the safety sheet of a route and its daylight.

- :mod:`~routeplanner.safety.sheet` — water, shelters, bail-outs, the alert time;
- :mod:`~routeplanner.safety.daylight` — sunrise, sunset and the region's time zone.
"""
