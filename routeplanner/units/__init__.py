"""Every quantity a person types or reads: parsers and formatters in one place.

Parsers take the text as typed (on the command line or in an event file) and
return SI values (seconds, metres, seconds per km, rise over run, degrees);
they raise one :class:`~routeplanner.errors.InputError` naming the value and
the accepted forms.  Formatters turn SI values back into text, in metric or
imperial units (:data:`UNIT_SYSTEMS`).

This module imports only the standard library, so the command line can parse
and check every option before loading numpy or any data.

Accepted forms
--------------
========== ===================================================== ===========================
quantity   forms                                                 refused
========== ===================================================== ===========================
duration   ``75m``, ``75min``, ``1h15``, ``1h15m``, ``1:15``,     ``0``, above 24 h
           ``1:15:00``, ``1.5h``, ``4500s``, ``90`` (minutes)
pace       ``6:00``, ``6:00/km``, ``5:30 min/km``, ``9:39/mi``,  outside 2:00-30:00 /km
           ``10km/h``, ``6mph``, ``6.5`` (minutes per km)
distance   ``5km``, ``800m``, ``3mi``, ``2000ft``                a bare number (``500``)
height     ``300m``, ``1000ft``, ``0.3km``, ``300`` (metres)     above 5000 m
tolerance  ``5%``, ``0.05``, ``3`` (= 3 %)                       outside 0.5-50 %
========== ===================================================== ===========================
"""

from __future__ import annotations

from routeplanner.units import quantities, settings
from routeplanner.units.quantities import *  # noqa: F403
from routeplanner.units.settings import *  # noqa: F403

__all__ = quantities.__all__ + settings.__all__
