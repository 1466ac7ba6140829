"""Building blocks for :mod:`routeplanner.output.maps`: escaping, raw HTML blocks, PNGs, Leaflet.

Folium renders a macro's output and then parses that output *again* as a Jinja
template, so any ``{{ … }}`` in text that reaches a folium template is evaluated
as Python on the user's machine (an OSM trail named ``{{ 7*7 }}`` comes out as
``49``).  Untrusted text therefore never goes through folium's templates here:
:class:`Block` writes pre-rendered strings straight into the page, and
:func:`esc` / :func:`js_json` also neutralise template delimiters.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from branca.element import Element, Figure, MacroElement

from routeplanner.errors import DataError

__all__ = [
    "LEAFLET_REQUIREMENT",
    "Block",
    "LeafletAssets",
    "Raw",
    "esc",
    "external_loads",
    "js_json",
    "leaflet_assets",
    "palette_png",
    "png_data_url",
]

# Packages from PyPI that ship Leaflet's dist files, as (module, folder inside it).
# XStatic-Leaflet is the declared dependency; django-js-lib-leaflet has the same
# files and no Django import at module level, so it is accepted too.
_LEAFLET_PACKAGES: tuple[tuple[str, str], ...] = (
    ("xstatic.pkg.leaflet", "data"),
    ("js_lib_leaflet", "static/js_lib_leaflet"),
)
LEAFLET_REQUIREMENT = "XStatic-Leaflet>=1.9.3"

_ZLEVEL = 6  # level 9 is 3x slower for 5 % smaller overlays
_TEMPLATE_OPENERS = re.compile(r"\{(?=[{%#])")


def esc(text: object) -> str:
    """Escape text for HTML/SVG element content and quoted attributes.

    Besides ``& < > " '`` this also escapes braces, because folium re-parses
    rendered output as a Jinja template (see the module docstring).

    Examples
    --------
    >>> esc('<b a="1">{{x}}</b>')
    '&lt;b a=&quot;1&quot;&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def js_json(value: Any) -> str:
    r"""JSON for embedding in a ``<script>`` element (a JavaScript expression).

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so no string can close the
    script element or open a comment, U+2028/2029 are escaped for old engines,
    and a ``{`` that would open a Jinja tag becomes ``\\u007b``.  Structural JSON
    never has ``{{``, ``{%`` or ``{#``, so only string contents are touched.

    Examples
    --------
    >>> js_json({"a": "</script>{{x}}"})
    '{"a":"\\u003c/script\\u003e\\u007b{x}}"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _TEMPLATE_OPENERS.sub(r"\\u007b", text)


class Raw(Element):
    """An element that renders to a fixed string, never through a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class Block(MacroElement):
    """Pre-rendered CSS/HTML/JavaScript placed in the page when its parent renders.

    As a child of a layer or the map, ``js`` runs after the parent's own script,
    so it may refer to the parent's JavaScript variable.
    """

    def __init__(self, *, header: str = "", body: str = "", js: str = "") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca has no type hints
        self._name = "RoutePlannerBlock"
        self.header_text = header
        self.body_text = body
        self.js_text = js

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as folium's MacroElement
        """Add the strings to the figure's header, body and script sections."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("a Block must be added to a map inside a folium Figure")
        if self.header_text:
            figure.header.add_child(Raw(self.header_text), name=self.get_name())
        if self.body_text:
            figure.html.add_child(Raw(self.body_text), name=self.get_name())
        if self.js_text:
            figure.script.add_child(Raw(self.js_text), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


# -- PNG ----------------------------------------------------------------------------


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def palette_png(index: np.ndarray, palette: Sequence[tuple[int, int, int, int]]) -> bytes:
    """Encode a 2-D array of palette indices as an 8-bit palette PNG with transparency.

    Parameters
    ----------
    index
        uint8 array (rows top to bottom) of indices into ``palette``.
    palette
        Up to 256 ``(r, g, b, alpha)`` colours, 0..255 each.

    Returns
    -------
    bytes
        The PNG file.
    """
    idx = np.ascontiguousarray(index, dtype=np.uint8)
    if idx.ndim != 2 or idx.size == 0:
        raise ValueError(f"palette_png needs a non-empty 2-D array, got shape {idx.shape}")
    if not 1 <= len(palette) <= 256 or int(idx.max()) >= len(palette):
        raise ValueError(f"palette of {len(palette)} colours does not cover index {idx.max()}")
    h, w = idx.shape
    # Try "None" and "Up" row filters; smooth rasters (hillshade) shrink with "Up".
    best = b""
    for filt in (0, 2):
        rows = idx if filt == 0 else np.vstack([idx[:1], idx[1:] - idx[:-1]])
        raw = np.empty((h, w + 1), dtype=np.uint8)
        raw[:, 0] = filt
        raw[:, 1:] = rows
        if filt == 2:
            raw[0, 0] = 0  # first row has no row above: keep it unfiltered
        data = zlib.compress(raw.tobytes(), _ZLEVEL)
        if not best or len(data) < len(best):
            best = data
    alphas = bytes(int(c[3]) for c in palette).rstrip(b"\xff")
    parts = [
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)),
        _chunk(b"PLTE", bytes(int(v) for c in palette for v in c[:3])),
    ]
    if alphas:
        parts.append(_chunk(b"tRNS", alphas))
    parts += [_chunk(b"IDAT", best), _chunk(b"IEND", b"")]
    return b"".join(parts)


def png_data_url(png: bytes) -> str:
    """Return the ``data:`` URL of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# -- offline Leaflet ----------------------------------------------------------------


@dataclass(frozen=True)
class LeafletAssets:
    """Leaflet's JavaScript and CSS, ready to inline (images as data URLs)."""

    js: str
    css: str
    version: str
    package: str


def _package_dir(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    return Path(locations[0]) if locations else None


@lru_cache(maxsize=1)
def leaflet_assets() -> LeafletAssets:
    """Find Leaflet's ``leaflet.js`` and ``leaflet.css`` in an installed package.

    Returns
    -------
    LeafletAssets

    Raises
    ------
    DataError
        If no installed package ships Leaflet (install ``XStatic-Leaflet``).
    """
    for module, sub in _LEAFLET_PACKAGES:
        root = _package_dir(module)
        if root is None:
            continue
        folder = root / sub
        js_path, css_path = folder / "leaflet.js", folder / "leaflet.css"
        if not (js_path.is_file() and css_path.is_file()):
            continue
        js = js_path.read_text(encoding="utf-8")
        # A source-map comment would make developer tools fetch a file beside the map.
        js = re.sub(r"//# sourceMappingURL=\S*", "", js)
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
        css = css_path.read_text(encoding="utf-8")

        def inline(match: re.Match[str], folder: Path = folder) -> str:
            image = folder / match.group(1)
            if not image.is_file():
                return "none"
            return f"url({png_data_url(image.read_bytes())})"

        css = re.sub(r"url\(\s*['\"]?(images/[\w.-]+\.png)['\"]?\s*\)", inline, css)
        version = re.search(r"Leaflet (\d+\.\d+\.\d+)", js)
        return LeafletAssets(
            js=js,
            css=css,
            version=version.group(1) if version else "?",
            package=module.split(".")[0],
        )
    raise DataError(
        f"offline maps need Leaflet from an installed package: pip install '{LEAFLET_REQUIREMENT}'"
    )


_EXTERNAL = re.compile(
    r"<(?:script|img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def external_loads(page: str) -> list[str]:
    """Snippets of the page that would load something over the network.

    Looks for ``src``/``href`` of scripts, images, frames and stylesheets, CSS
    ``url()`` and ``@import`` pointing at ``http(s)://`` or ``//``.  Links
    (``<a href>``) and tile URL templates inside scripts are not loads.
    """
    return [page[max(m.start() - 20, 0) : m.end() + 60] for m in _EXTERNAL.finditer(page)]
