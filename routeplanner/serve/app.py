"""The planner's web application (Starlette): the page, its assets, and the JSON API.

Routes:

- ``GET /`` the planner page (its state in the query string: ``/?start=…&duration=75m``);
- ``GET /static/…`` the page's own files, and ``/vendor/leaflet.{js,css}`` Leaflet
  from the installed XStatic package; nothing outside the static folder is served;
- ``GET /api/region`` name, bbox and attribution; ``GET /api/places?q=`` suggestions
  from the region's OSM places, ``?near=LAT,LON`` the place nearest a point;
- ``GET /api/loops?start=LAT,LON&duration=75m[&…]`` a GeoJSON FeatureCollection, one
  feature per route, whose properties are the command line's route JSON;
  ``/api/loops.gpx``, ``/api/loops.fit`` (``&index=K``, from 0) and ``/api/loops.html``
  (the offline map the command line writes); ``&segment=ID`` (a climb or descent of
  ``/api/climbs``) gives the loop that runs it its own way;
- ``GET /api/climbs?start=…&duration=…`` climbs and descents near the start;
- ``GET /api/basemap/hillshade.png``, ``/api/basemap/network.json`` and
  ``/api/basemap/names.js`` (with ``names.css``), the offline basemap: hillshade,
  ways, and the place names and water the command line's maps draw.

Every error is 4xx (5xx for a bug) with ``{"error": "one line"}``, and the server
keeps serving.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from routeplanner._text import one_line
from routeplanner.errors import CoverageError, DataError, InputError, NoRouteError
from routeplanner.serve.engine import Engine
from routeplanner.serve.planner import FILE_KINDS
from routeplanner.serve.query import (
    MAX_QUERY_CHARS,
    MAX_VALUE_CHARS,
    parse_loop_query,
    parse_point,
)

__all__ = ["STATIC_DIR", "Region", "create_app"]

log = logging.getLogger("routeplanner.serve")

#: The page's own files (package data); the only folder files are served from.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Place suggestions returned at most.
MAX_SUGGESTIONS = 10

#: Margin around the network's bbox where a start or via point is still accepted.
PAD_DEG = 0.01

#: Simplification of the basemap's ways, metres.
BASEMAP_TOL_M = 4.0

#: Lines of the offline basemap the page draws besides the network's ways.
BASEMAP_LINES = ("lake", "river", "stream")

#: Farthest place that still names a start set by a click or the URL.
NEAREST_WITHIN_M = 3000.0


@dataclass
class Region:
    """What the page needs to know of the region, served from the main process.

    Parameters
    ----------
    loaded
        The region loaded in this process (network bounds, places, basemap).
    profile
        Whether the server has a runner profile (``profile=1`` queries).
    """

    loaded: Any
    profile: bool = False

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The network's ``(west, south, east, north)``."""
        w, s, e, n = (float(v) for v in self.loaded.net.bbox)
        return (w, s, e, n)

    def info(self) -> dict[str, Any]:
        """Name, bbox and attribution for the page."""
        files = self.loaded.files
        return {
            "name": str(files.name),
            "bbox": list(self.bbox),
            "attribution": [str(a) for a in files.attribution],
            "profile": self.profile,
        }

    @cached_property
    def places(self) -> list[tuple[str, str, str, float, float]]:
        """``(folded name, name, kind, lon, lat)`` of every place, best kinds first."""
        from routeplanner.sources.places import _norm, read_places

        w, s, e, n = self.bbox
        found = sorted(read_places(self.loaded.files.osm), key=lambda p: p.rank)
        return [
            (_norm(p.name), p.name, p.kind, p.lon, p.lat)
            for p in found
            if w <= p.lon <= e and s <= p.lat <= n
        ]

    def suggest(self, text: str) -> list[dict[str, Any]]:
        """Places whose name starts with (then contains) ``text``, case and accents folded."""
        from routeplanner.sources.places import _norm

        key = _norm(text)
        if not key:
            return []
        first = [p for p in self.places if p[0].startswith(key)]
        then = [p for p in self.places if key in p[0] and not p[0].startswith(key)]
        seen: set[str] = set()
        out = []
        for _, name, kind, lon, lat in [*first, *then]:
            if name in seen:
                continue
            seen.add(name)
            out.append({"name": name, "kind": kind, "lat": round(lat, 6), "lon": round(lon, 6)})
            if len(out) == MAX_SUGGESTIONS:
                break
        return out

    def nearest(self, lon: float, lat: float) -> dict[str, Any] | None:
        """Give the place nearest a point (any kind), within :data:`NEAREST_WITHIN_M`."""
        from routeplanner._geo import haversine_m

        if not self.places:
            return None
        d = haversine_m(lon, lat, [p[3] for p in self.places], [p[4] for p in self.places])
        k = int(d.argmin())
        if float(d[k]) > NEAREST_WITHIN_M:
            return None
        _, name, kind, plon, plat = self.places[k]
        return {
            "name": name,
            "kind": kind,
            "lat": round(plat, 6),
            "lon": round(plon, 6),
            "distance_m": round(float(d[k])),
        }

    @cached_property
    def names_js(self) -> bytes:
        """The script drawing the region's place names (and water) into the page's map.

        The command line's maps draw the same (the offline basemap of
        :mod:`routeplanner.sources.basemap`); the page's ways come from the network.
        """
        from routeplanner.output import bundle

        feats = bundle.basemap_for(self.loaded.net, self.loaded.sidecar)
        if feats is None:
            return b"/* no basemap: the OSM file is not known */\n"
        layers = "window.planner.layers"
        targets = (
            "window.planner.map",
            f"{layers}.water",
            f"{layers}.names",
            f"[{layers}.online]",
        )
        script = bundle.basemap_layer_script(
            feats, self.bbox, targets=targets, classes=BASEMAP_LINES
        )
        return script.encode("utf-8")

    @cached_property
    def hillshade(self) -> tuple[bytes, list[float]]:
        """The hillshade PNG over the region and its ``[west, south, east, north]``."""
        from routeplanner.output.bundle import dem_overlay_pngs

        png, bounds, _, _ = dem_overlay_pngs(
            self.loaded.lazy_dem(), self.bbox, cache=self.loaded.sidecar
        )
        return png, [float(b) for b in bounds]

    @cached_property
    def network_json(self) -> bytes:
        """The ways by class and difficulty, as the maps' network layer draws them."""
        from routeplanner.output.bundle import network_layer_data

        text = network_layer_data(self.loaded.net, None, tol_m=BASEMAP_TOL_M) or "null"
        return text.encode("utf-8")


def error(status: int, message: object) -> JSONResponse:
    """Answer with a JSON error: ``{"error": "one line"}``."""
    return JSONResponse({"error": one_line(message)}, status_code=status)


def _params(request: Request) -> dict[str, str]:
    """Read the query's parameters, one value each; refuse over-long or repeated ones."""
    if len(request.url.query) > MAX_QUERY_CHARS:
        raise InputError(f"the query is {len(request.url.query)} characters: at most 2000")
    items = request.query_params.multi_items()
    out: dict[str, str] = {}
    for key, value in items:
        if key in out:
            raise InputError(f"{key} is given twice: give each parameter once")
        out[key] = value
    return out


def _guarded(
    handler: Callable[[Request], Any],
) -> Callable[[Request], Any]:
    """Turn the planner's errors into 4xx JSON, and a bug into a 500 with one line."""

    async def endpoint(request: Request) -> Response:
        try:
            response: Response = await handler(request)
            return response
        except (InputError, CoverageError, DataError) as exc:
            return error(400, exc)
        except NoRouteError as exc:
            return error(422, exc)
        except BrokenProcessPool:
            return error(503, "a planner worker stopped and is starting again: ask again")
        except HTTPException:
            raise
        except Exception as exc:  # a bug: say so in one line, and keep serving
            log.exception("internal error on %s", request.url.path)
            return error(500, f"internal error ({type(exc).__name__})")

    return endpoint


class _Handlers:
    """The endpoints, over one engine and region."""

    def __init__(self, engine: Engine, region: Region, leaflet: Any) -> None:
        self.engine = engine
        self.region = region
        self.leaflet = leaflet
        # A point just beyond the outermost ways is still in the region (as on the
        # command line): it snaps onto them.
        w, s, e, n = region.bbox
        self.bbox = (w - PAD_DEG, s - PAD_DEG, e + PAD_DEG, n + PAD_DEG)

    async def page(self, request: Request) -> Response:
        if len(request.url.query) > MAX_QUERY_CHARS:
            return error(414, f"the query is {len(request.url.query)} characters: at most 2000")
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def vendor(self, request: Request) -> Response:
        assets = {
            "leaflet.js": (self.leaflet.js, "text/javascript; charset=utf-8"),
            "leaflet.css": (self.leaflet.css, "text/css; charset=utf-8"),
        }
        found = assets.get(request.path_params["name"])
        if found is None:
            return error(404, "not found")
        return Response(found[0], media_type=found[1])

    async def region_info(self, request: Request) -> Response:
        return JSONResponse(self.region.info())

    async def places(self, request: Request) -> Response:
        params = _params(request)
        text = params.get("q", "")
        if len(text) > MAX_VALUE_CHARS:
            raise InputError(f"q is {len(text)} characters: at most {MAX_VALUE_CHARS}")
        if "near" in params:  # the place that names a start set by a click or the URL
            lon, lat = parse_point(params["near"][:MAX_VALUE_CHARS], self.bbox, what="near")
            found = self.region.nearest(lon, lat)
            return JSONResponse({"places": [found] if found else []})
        return JSONResponse({"places": self.region.suggest(text)})

    async def loops(self, request: Request) -> Response:
        q = parse_loop_query(_params(request), self.bbox)
        return JSONResponse(await self.engine.call("loops", q))

    async def loop_file(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in FILE_KINDS:
            return error(404, f"no such export .{kind}: use .gpx, .fit or .html")
        q = parse_loop_query(_params(request), self.bbox)
        data, name = await self.engine.call("file", q, kind)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(data, media_type=FILE_KINDS[kind][0], headers=headers)

    async def climbs(self, request: Request) -> Response:
        params = _params(request)
        params.setdefault("duration", "1h")
        q = parse_loop_query(params, self.bbox)
        return JSONResponse(await self.engine.call("climbs", q))

    async def hillshade(self, request: Request) -> Response:
        return Response(self.region.hillshade[0], media_type="image/png")

    async def basemap_info(self, request: Request) -> Response:
        return JSONResponse({"hillshade_bounds": self.region.hillshade[1]})

    async def network(self, request: Request) -> Response:
        return Response(self.region.network_json, media_type="application/json")

    async def names(self, request: Request) -> Response:
        return Response(self.region.names_js, media_type="text/javascript; charset=utf-8")

    async def names_css(self, request: Request) -> Response:
        from routeplanner.output.bundle import basemap_css

        return Response(basemap_css(), media_type="text/css; charset=utf-8")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return error(status, "not found" if status == 404 else getattr(exc, "detail", "error"))


def create_app(engine: Engine, region: Region, *, leaflet: Any = None) -> Starlette:
    """Make the planner's ASGI application.

    Parameters
    ----------
    engine
        Where the searches run (:class:`~routeplanner.serve.engine.ProcessEngine`
        or :class:`~routeplanner.serve.engine.LocalEngine`).
    region
        The region as the main process knows it.
    leaflet
        Leaflet's assets (default: :func:`routeplanner.output._map_assets.leaflet_assets`).

    Returns
    -------
    starlette.applications.Starlette
    """
    if leaflet is None:
        from routeplanner.output.bundle import leaflet_assets

        leaflet = leaflet_assets()
    h = _Handlers(engine, region, leaflet)
    routes = [
        Route("/", h.page),
        Route("/vendor/{name}", _guarded(h.vendor)),
        Route("/api/region", _guarded(h.region_info)),
        Route("/api/places", _guarded(h.places)),
        Route("/api/loops", _guarded(h.loops)),
        Route("/api/loops.{kind}", _guarded(h.loop_file)),
        Route("/api/climbs", _guarded(h.climbs)),
        Route("/api/basemap/hillshade.png", _guarded(h.hillshade)),
        Route("/api/basemap/info", _guarded(h.basemap_info)),
        Route("/api/basemap/network.json", _guarded(h.network)),
        Route("/api/basemap/names.js", _guarded(h.names)),
        Route("/api/basemap/names.css", _guarded(h.names_css)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
