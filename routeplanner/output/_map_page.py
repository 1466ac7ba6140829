"""The page around a route map: its stylesheet and the scripts that dock panels and markers.

``MAIN_JS`` docks the panel and the legend on the map, fits the view to the
routes (with room for the panels), links the elevation profile to the map and
zooms to segments; ``MARKERS_JS`` draws arrows, km marks and pins.
"""

from __future__ import annotations

__all__ = ["MAIN_CSS", "MAIN_JS", "MARKERS_JS"]

MAIN_CSS = """
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;color:#1d1d1d;
font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
.folium-map{flex:1 1 auto;height:auto!important;min-height:160px}
.leaflet-container{font:inherit;background:#ebe8e1}
.rp-box{background:rgba(255,255,255,.96);border-radius:8px;box-shadow:0 1px 6px rgba(0,0,0,.35)}
#rp-panel{width:300px;min-width:260px;max-width:440px;max-height:calc(100vh - 300px);
overflow:auto;padding:8px 10px;box-sizing:border-box}
#rp-panel summary{cursor:pointer}
#rp-panel h1{display:inline;font-size:16px;margin:0}
#rp-panel h2{font-size:13px;margin:10px 0 2px;color:#444}
table.rp-stats{border-collapse:collapse;width:100%;margin:6px 0 2px}
.rp-stats th{text-align:left;font-weight:normal;color:#555;padding:2px 6px 2px 0;
vertical-align:top;white-space:nowrap}
#rp-panel.rp-wide{width:auto}
.rp-stats td{text-align:right;font-weight:600;padding:2px 0 2px 6px}
table.rp-stats:not(:has(thead)) td{white-space:nowrap}
.rp-stats td.rp-text{white-space:normal;text-align:left;font-weight:normal}
.rp-stats td:first-child{text-align:left;white-space:normal;min-width:8em}
.rp-scroll{overflow-x:auto;max-width:100%}
.rp-stats thead th{font-weight:600;color:#1d1d1d;text-align:right}
.rp-note{color:#555;font-size:12px;margin:4px 0}
.rp-warn{color:#8a4b00;font-size:12px;margin:4px 0;padding-left:16px}
.rp-dotkey{border-radius:50%!important}
.rp-swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;
vertical-align:-1px;border:1px solid rgba(0,0,0,.35)}
.rp-segs{list-style:none;padding:0;margin:2px 0}
.rp-segs li{border-top:1px solid #eee}
.rp-segs button{all:unset;box-sizing:border-box;cursor:pointer;display:block;width:100%;
padding:3px 2px}
.rp-segs button:hover,.rp-segs button:focus-visible{background:#eef3ff}
.rp-num{display:inline-block;min-width:14px;padding:0 4px;border-radius:9px;color:#fff;
text-align:center;font-weight:700;font-size:11px;margin-right:4px}
.rp-segstats{display:block;color:#555;font-size:12px;padding-left:26px}
#rp-legend{padding:6px 9px 4px;width:250px;box-sizing:border-box}
#rp-legend summary{cursor:pointer;font-weight:600}
.rp-lt{font-weight:600;font-size:11px;margin-top:5px}
.rp-bar{display:flex;height:10px;border-radius:2px;overflow:hidden;margin-top:2px}
.rp-bar span{flex:1}
.rp-ticks{position:relative;height:13px;font-size:10px;color:#333;margin:0 2px}
.rp-ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.rp-keys{display:flex;flex-wrap:wrap;gap:1px 8px;font-size:11px;margin-top:2px}
.rp-foot{color:#666;font-size:11px;margin:8px 0 0}
#rp-profile-panel{flex:0 0 auto;background:#fff;border-top:1px solid #bbb;padding:2px 8px 4px}
#rp-profile-panel summary{cursor:pointer;font-weight:600;padding:2px 0}
#rp-profile-panel summary small{font-weight:normal;color:#666}
.rp-prof{display:none;overflow-x:auto}
.rp-prof svg{display:block;width:100%;height:auto;max-height:190px;margin:0 auto}
.rp-prof svg.rp-narrow-prof{display:none;max-width:560px;max-height:none}
@media (max-width:899px){.rp-prof svg.rp-wide-prof{display:none}
.rp-prof svg.rp-narrow-prof{display:block}}
.rp-tabs>input{position:absolute;opacity:0}
.rp-tabs>label{display:inline-block;padding:1px 8px;margin:2px 4px 2px 0;border:1px solid #ccc;
border-radius:10px;cursor:pointer;font-size:12px}
.rp-tabs>input:checked+label{background:#222;color:#fff;border-color:#222}
.rp-tabs>input:focus-visible+label{outline:2px solid #1565c0}
.rp-icon{background:none;border:none}
.rp-km{display:inline-block;transform:translate(-50%,-50%);background:#fff;color:#111;
border:2px solid #111;border-radius:9px;font:bold 10px/13px sans-serif;min-width:13px;
padding:0 2px;text-align:center;white-space:nowrap}
.rp-arrow{position:absolute;left:-8px;top:-8px;width:16px;height:16px}
.rp-pin{position:absolute;left:0;bottom:7px;transform:translateX(-50%);white-space:nowrap;
color:#fff;font:bold 11px/15px sans-serif;padding:1px 7px;border-radius:10px;border:2px solid #fff;
box-shadow:0 1px 4px rgba(0,0,0,.5)}
.rp-pin::after{content:"";position:absolute;left:50%;bottom:-8px;margin-left:-5px;
border:5px solid transparent;border-top-color:#fff}
.rp-dot{position:absolute;left:-5px;top:-5px;width:6px;height:6px;border-radius:50%;
border:2px solid #fff;box-shadow:0 0 2px #000}
.rp-start{background:#2e7d32}.rp-finish{background:#111}.rp-point{background:#6a1b9a}
.rp-seglabel{display:inline-block;transform:translate(-50%,-50%);color:#fff;border:2px solid #fff;
font:bold 11px/14px sans-serif;padding:0 5px;border-radius:9px;box-shadow:0 1px 3px rgba(0,0,0,.5)}
@media (max-width:700px){#rp-panel{width:min(300px,75vw)}#rp-legend{width:200px}}
.leaflet-control-attribution.rp-attr{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;
max-width:calc(100vw - 110px);cursor:pointer}
.leaflet-control-attribution.rp-attr-open{white-space:normal}
.rp-glance{font-size:12px;color:#333;margin:2px 0 0 16px;font-weight:normal}
.rp-glance div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
details[open] > summary .rp-glance{display:none}
#rp-panel details:not([open]) > summary::after{content:" (tap for details)";color:#666;
font-size:11px;margin-left:16px;display:block}
#rp-legend details:not([open]) > summary::after{content:" (tap)";color:#666;font-weight:normal;
font-size:11px}
"""

MARKERS_JS = """(function (group, d) {
  function icon(html) { return L.divIcon({className: "rp-icon", html: html, iconSize: null}); }
  d.arrows.forEach(function (a) {
    L.marker([a[0], a[1]], {icon: icon('<svg class="rp-arrow" viewBox="-8 -8 16 16" ' +
      'style="transform:rotate(' + a[2] + 'deg)"><path d="M0 -6.5L5.5 5.5L0 2.5L-5.5 5.5Z" ' +
      'fill="#fff" stroke="#111" stroke-width="1.6" stroke-linejoin="round"/></svg>'),
      interactive: false, keyboard: false}).addTo(group);
  });
  d.km.forEach(function (k) {
    L.marker([k[0], k[1]], {icon: icon('<div class="rp-km">' + k[2] + '</div>'),
      interactive: false, keyboard: false}).addTo(group);
  });
  // A pin's dot and its label are two markers: dots stay over every label.
  d.pins.forEach(function (p) {
    L.marker([p[0], p[1]], {icon: icon('<div class="rp-pin ' + p[2] + '">' + p[3] + '</div>'),
      keyboard: false, zIndexOffset: 1000, title: p[4]}).addTo(group);
    L.marker([p[0], p[1]], {icon: icon('<div class="rp-dot ' + p[2] + '"></div>'),
      keyboard: false, zIndexOffset: 3000, title: p[4]}).addTo(group);
  });
})(__GROUP__, __DATA__);
"""


MAIN_JS = """(function () {
  "use strict";
  var map = __MAP__, RP = __DATA__, routes = __ROUTES__, segLayers = __SEGS__;
  var swaps = __SWAPS__;
  // Several routes: each shows its own colour; the selected one its grades, on top.
  function select(k) {
    swaps.forEach(function (s, j) {
      if (s.length !== 2) { return; }
      var on = j === k ? s[0] : s[1], off = j === k ? s[1] : s[0];
      if (routes[j].hasLayer(off)) { routes[j].removeLayer(off); }
      if (!routes[j].hasLayer(on)) { routes[j].addLayer(on); }
    });
    if (routes[k] && map.hasLayer(routes[k]) && routes[k].bringToFront) {
      routes[k].bringToFront();
    }
  }
  select(0);
  routes.forEach(function (g, k) { g.on("click", function () { select(k); }); });
  document.querySelectorAll("input[name=rp-ptab], input[name=rp-gtab]").forEach(function (t) {
    t.addEventListener("change", function () { select(+t.id.split("-").pop()); });
  });
  RP.attribution.forEach(function (a) { map.attributionControl.addAttribution(a); });
  function dock(id, position) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var Dock = L.Control.extend({onAdd: function () {
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
      return el;
    }});
    new Dock({position: position}).addTo(map);
  }
  if (!document.body.classList.contains("rp-phone")) {
    dock("rp-panel", "topleft");
    dock("rp-legend", "bottomright");
  }
  if (window.innerWidth < 700) {
    document.querySelectorAll("details.rp-fold").forEach(function (d) { d.open = false; });
  }
  // A table wider than its panel scrolls inside it instead of running out.
  document.querySelectorAll("#rp-panel table").forEach(function (t) {
    var box = document.createElement("div");
    box.className = "rp-scroll";
    t.parentNode.insertBefore(box, t);
    box.appendChild(t);
  });
  function boxes() {  // the docked boxes, as rectangles clipped to the map
    var c = map.getContainer().getBoundingClientRect(), out = [];
    document.querySelectorAll(".leaflet-control-container .leaflet-control").forEach(
      function (el) {
        var r = el.getBoundingClientRect();
        var l = Math.max(r.left, c.left), t = Math.max(r.top, c.top);
        var w = Math.min(r.right, c.right) - l, h = Math.min(r.bottom, c.bottom) - t;
        if (w > 0 && h > 0) { out.push({l: l - c.left, t: t - c.top, w: w, h: h}); }
      });
    return {c: c, boxes: out};
  }
  function cover() {
    var b = boxes(), sum = 0;
    b.boxes.forEach(function (x) { sum += x.w * x.h; });
    return sum / Math.max(1, b.c.width * b.c.height);
  }
  // Panels fold to their summary line (tap to open) while they cover too much of the map.
  var budget = window.innerWidth < 700 ? 0.3 : 0.25;
  ["#rp-panel > details.rp-fold", "#rp-legend > details.rp-fold"].forEach(function (sel) {
    var d = document.querySelector(sel);
    if (d && d.open && cover() > budget) { d.open = false; }
  });
  // Fit the routes into what the boxes leave free: each box pushes the view away from
  // its corner on the side that costs the map less, so no box lies over a route.
  function padding() {
    var b = boxes(), W = b.c.width, H = b.c.height, p = [10, 10, 10, 10];  // l t r b
    b.boxes.forEach(function (x) {
      var left = x.l + x.w / 2 < W / 2, top = x.t + x.h / 2 < H / 2;
      var w = (left ? x.l + x.w : W - x.l) + 8, h = (top ? x.t + x.h : H - x.t) + 8;
      if (w * H <= h * W) { p[left ? 0 : 2] = Math.max(p[left ? 0 : 2], w); }
      else { p[top ? 1 : 3] = Math.max(p[top ? 1 : 3], h); }
    });
    var sx = Math.min(1, 0.7 * W / (p[0] + p[2])), sy = Math.min(1, 0.7 * H / (p[1] + p[3]));
    return [p[0] * sx, p[1] * sy, p[2] * sx, p[3] * sy];
  }
  map.options.zoomSnap = 0.25;  // whole zoom steps would leave up to half the map unused
  function fit(b, maxZoom, animate) {
    var p = padding();
    map.fitBounds(b, {paddingTopLeft: [p[0], p[1]], paddingBottomRight: [p[2], p[3]],
                      maxZoom: maxZoom || 16, animate: animate !== false});
  }
  var attribution = document.querySelector(".leaflet-control-attribution");
  if (attribution) {  // one line; a tap shows the whole credit
    attribution.classList.add("rp-attr");
    attribution.addEventListener("click", function (ev) {
      if (ev.target.tagName !== "A") { attribution.classList.toggle("rp-attr-open"); }
    });
  }
  map.invalidateSize();
  // No animation: Leaflet drops any view change asked for while a zoom animates.
  fit(RP.fit, 16, false);
  document.querySelectorAll("details").forEach(function (d) {
    d.addEventListener("toggle", function () { map.invalidateSize(); });
  });
  document.querySelectorAll("[data-rp-seg]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      ev.preventDefault();
      var i = +el.getAttribute("data-rp-seg"), layer = segLayers[i];
      fit(RP.segs[i], 17);
      if (layer && map.hasLayer(layer)) { layer.openTooltip(); }
    });
  });
  segLayers.forEach(function (layer, i) {
    layer.on("click", function () { fit(RP.segs[i], 17); });
  });

  var hover = L.circleMarker([0, 0], {radius: 7, weight: 3, color: "#111", fillColor: "#ffeb3b",
    fillOpacity: 1, interactive: false, className: "rp-hover"});
  function hide() {
    document.querySelectorAll(".rp-cursor").forEach(function (c) {
      c.setAttribute("visibility", "hidden");
    });
    hover.remove();
  }
  // Each route has a wide and a narrow (phone) profile; the stylesheet shows one.
  function shown(k) {
    var all = document.querySelectorAll('svg.rp-profile[data-route="' + k + '"]');
    for (var i = 0; i < all.length; i++) {
      if (all[i].getClientRects().length) { return all[i]; }
    }
    return all[0] || null;
  }
  function axes(svg) {
    var g = function (n) { return +svg.getAttribute("data-" + n); };
    return {x0: g("x0"), x1: g("x1"), yb: g("yb"), ylo: g("ylo"), ys: g("ys")};
  }
  function show(k, dk) {
    var p = RP.profiles[k];
    if (!p) { return; }
    var n = p.d.length, dmax = p.d[n - 1], lo = 0, hi = n - 1;
    dk = Math.max(0, Math.min(dmax, dk));
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (p.d[mid] <= dk) { lo = mid; } else { hi = mid; }
    }
    var span = p.d[hi] - p.d[lo], t = span > 0 ? (dk - p.d[lo]) / span : 0;
    var lat = p.la[lo] + t * (p.la[hi] - p.la[lo]), lon = p.lo[lo] + t * (p.lo[hi] - p.lo[lo]);
    var e = p.e[lo] + t * (p.e[hi] - p.e[lo]), g = p.g[lo];
    hover.setLatLng([lat, lon]);
    if (!map.hasLayer(hover)) { hover.addTo(map); }
    var svg = shown(k);
    if (!svg) { return; }
    var a = axes(svg), cur = svg.querySelector(".rp-cursor");
    var x = a.x0 + (dmax > 0 ? dk / dmax : 0) * (a.x1 - a.x0), y = a.yb - (e - a.ylo) * a.ys;
    var line = cur.querySelector("line"), dot = cur.querySelector("circle");
    var txt = cur.querySelector("text"), right;
    line.setAttribute("x1", x); line.setAttribute("x2", x);
    dot.setAttribute("cx", x); dot.setAttribute("cy", y);
    txt.textContent = dk.toFixed(2) + " km \\u00b7 " + Math.round(e) + " m \\u00b7 " +
      (g > 0 ? "+" : g < 0 ? "\\u2212" : "") + Math.abs(g) + " %";
    right = x > (a.x0 + a.x1) / 2;
    txt.setAttribute("x", right ? x - 8 : x + 8);
    txt.setAttribute("text-anchor", right ? "end" : "start");
    cur.setAttribute("visibility", "visible");
  }
  document.querySelectorAll("svg.rp-profile").forEach(function (svg) {
    var k = +svg.getAttribute("data-route"), p = RP.profiles[k], a = axes(svg);
    function move(ev) {
      var ctm = svg.getScreenCTM();
      if (!ctm || !p) { return; }
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      pt = pt.matrixTransform(ctm.inverse());
      var f = Math.max(0, Math.min(1, (pt.x - a.x0) / (a.x1 - a.x0)));
      show(k, f * p.d[p.d.length - 1]);
    }
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerdown", move);
    svg.addEventListener("pointerleave", hide);
  });
  routes.forEach(function (group, k) {
    var p = RP.profiles[k];
    if (!p) { return; }
    group.on("mousemove", function (ev) {
      var best = 0, bd = Infinity, c = Math.cos(ev.latlng.lat * Math.PI / 180);
      for (var i = 0; i < p.la.length; i++) {
        var dy = p.la[i] - ev.latlng.lat, dx = (p.lo[i] - ev.latlng.lng) * c;
        if (dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; best = i; }
      }
      var tab = document.getElementById("rp-ptab-" + k);
      if (tab && !tab.checked) { tab.checked = true; }
      show(k, p.d[best]);
    });
    group.on("mouseout", hide);
  });
  window.routeplannerMap = {map: map, show: show, hide: hide, hover: hover, routes: routes,
    select: select};
})();
"""
