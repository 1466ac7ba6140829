"""Map layout on phones, and the inlined Leaflet an online map falls back to.

Below 600 px the details panel and the legend leave the map and become a bottom
sheet between the map and the elevation profile (a ``<details>`` whose summary
is the handle, closed at first); the stats of several routes become tabs
instead of columns; the profile shrinks to the screen's width.  Everything is
CSS and a few lines of script run before the map's own script docks its
panels.
"""

from __future__ import annotations

from collections.abc import Sequence

from routeplanner.output._map_assets import esc, leaflet_assets

__all__ = [
    "PHONE_CSS",
    "PHONE_JS",
    "PHONE_MAX_PX",
    "leaflet_fallback_html",
    "radio_tabs",
    "route_tabs_html",
]

#: Widest screen (CSS px) laid out as a phone.
PHONE_MAX_PX = 599

PHONE_CSS = f"""
#rp-panel.rp-wide{{max-width:min(760px,calc(100vw - 90px))}}
.rp-stats thead th{{white-space:normal;vertical-align:bottom}}
.rp-gtabs{{display:none}}
.rp-gtab{{display:none}}
@media (max-width:{PHONE_MAX_PX}px){{
body.rp-phone #rp-sheet{{flex:0 0 auto;max-height:48vh;overflow:auto;background:#fff;
border-top:1px solid #bbb;border-radius:12px 12px 0 0;box-shadow:0 -2px 8px rgba(0,0,0,.25);
position:relative;z-index:1000}}
body.rp-phone #rp-sheet::before{{content:"";display:block;width:40px;height:4px;
margin:6px auto 0;border-radius:2px;background:#bbb}}
body.rp-phone #rp-panel,body.rp-phone #rp-legend{{width:auto;min-width:0;max-width:none;
max-height:none;box-shadow:none;border-radius:0;background:transparent;overflow:visible}}
body.rp-phone #rp-legend{{border-top:1px solid #eee}}
body.rp-phone .rp-cols{{display:none}}
body.rp-phone .rp-gtabs{{display:block}}
.rp-prof svg{{min-width:0!important;max-width:100%}}
.rp-prof{{overflow-x:hidden!important}}
#rp-profile-panel summary small{{display:none}}
.leaflet-control-attribution{{max-width:calc(100vw - 110px);font-size:10px;line-height:1.3}}
.leaflet-control-layers-expanded{{max-height:55vh;overflow:auto}}
}}
"""

#: Runs before the map's own script: on a phone, move the panel and the legend
#: into a bottom sheet below the map, so they are not docked over it.
PHONE_JS = f"""(function () {{
  if (!window.matchMedia("(max-width: {PHONE_MAX_PX}px)").matches) {{ return; }}
  var panel = document.getElementById("rp-panel");
  if (!panel) {{ return; }}
  document.body.classList.add("rp-phone");
  var sheet = document.createElement("div");
  sheet.id = "rp-sheet";
  var profile = document.getElementById("rp-profile-panel");
  document.body.insertBefore(sheet, profile && profile.parentNode === document.body ?
    profile : null);
  sheet.appendChild(panel);
  var legend = document.getElementById("rp-legend");
  if (legend) {{ sheet.appendChild(legend); }}
  document.querySelectorAll("input[name=rp-gtab]").forEach(function (tab, k) {{
    tab.addEventListener("change", function () {{
      var p = document.getElementById("rp-ptab-" + k);
      if (p) {{ p.checked = true; }}
    }});
  }});
}})();
"""


def route_tabs_html(
    names: Sequence[str],
    colours: Sequence[str],
    tables: Sequence[str],
) -> str:
    """Give the stats of several routes as tabs (shown on phones instead of columns).

    Parameters
    ----------
    names
        Route names (untrusted: escaped here).
    colours
        Their colours, ``#rrggbb``.
    tables
        Each route's stats table, already escaped HTML.

    Returns
    -------
    str
        Radio-button tabs (no script needed) with one table each.
    """
    rules, tabs = radio_tabs("rp-gtab", "rp-gtab", names, colours, tables)
    return f'<style>{rules}</style><div class="rp-tabs rp-gtabs">{tabs}</div>'


def radio_tabs(
    group: str,
    body_class: str,
    names: Sequence[str],
    colours: Sequence[str],
    bodies: Sequence[str],
) -> tuple[str, str]:
    """Give radio-button tabs (no script needed), one per route, the first shown.

    Parameters
    ----------
    group
        Name of the radio group (the inputs' ids are ``GROUP-i``).
    body_class
        Class of the bodies (each also has ``BODY_CLASS-i``).
    names, colours
        Each tab's label (untrusted: escaped here) and swatch colour.
    bodies
        Each tab's content, already escaped HTML.

    Returns
    -------
    (str, str)
        The CSS rules that show the checked tab's body, and the tabs then the bodies.
    """
    tabs, divs, rules = [], [], []
    for i, (name, colour, body) in enumerate(zip(names, colours, bodies, strict=True)):
        checked = " checked" if i == 0 else ""
        tabs.append(
            f'<input type="radio" name="{group}" id="{group}-{i}"{checked}>'
            f'<label for="{group}-{i}"><span class="rp-swatch" '
            f'style="background:{esc(colour)}"></span>{esc(name)}</label>'
        )
        divs.append(f'<div class="{body_class} {body_class}-{i}">{body}</div>')
        rules.append(f"#{group}-{i}:checked~.{body_class}-{i}{{display:block}}")
    return "".join(rules), "".join(tabs) + "".join(divs)


def leaflet_fallback_html() -> str:
    """Give markup that loads the inlined Leaflet when the CDN's did not load.

    Placed right after the CDN's ``<script>`` and ``<link>``: if ``L`` is still
    undefined there, the packaged Leaflet script and stylesheet (kept as inert
    ``text/plain`` blocks) are inserted and run before the map's script.

    Returns
    -------
    str
        HTML for the page's head.
    """
    assets = leaflet_assets()
    css = assets.css.replace("</", "<\\/")
    return (
        f'<script type="text/plain" id="rp-leaflet-js">{assets.js}</script>'
        f'<script type="text/plain" id="rp-leaflet-css">{css}</script>'
        "<script>(function () {"
        "if (window.L) { return; }"
        'var s = document.createElement("style");'
        's.textContent = document.getElementById("rp-leaflet-css").textContent'
        '.split("<\\\\/").join("</");'
        "document.head.appendChild(s);"
        'var j = document.createElement("script");'
        'j.text = document.getElementById("rp-leaflet-js").textContent;'
        "document.head.appendChild(j);"
        "window.routeplannerLeafletFallback = true;"
        "})();</script>"
    )
