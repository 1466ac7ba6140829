// Catalogue index: a map of the trailheads and a table of routes, filtered in the page.
// The data comes from the JSON in <script id="catalog-data">; nothing is fetched.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("catalog-data").textContent);
  var map = L.map("map");
  var tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 17,
    attribution: "&copy; OpenStreetMap contributors"
  }).addTo(map);
  // Without tiles (no signal), the basemap drawn from the region's OSM data shows.
  if (window.rpBasemap) { window.rpBasemap(map, [tiles]); }
  var markers = {};
  var bounds = [];
  data.trailheads.forEach(function (t) {
    var m = L.circleMarker([t.lat, t.lon], { radius: 6, color: "#1b5e20", className: "rp-mark" });
    var label = document.createElement("span");
    label.textContent = t.label;  // text, never HTML: names come from OSM
    m.bindTooltip(label);
    m.addTo(map);
    markers[t.id] = m;
    bounds.push([t.lat, t.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([0, 0], 2); }

  var rows = Array.prototype.slice.call(document.querySelectorAll("#routes tbody tr"));
  var controls = ["f-duration", "f-kind", "f-ascent", "f-trail"].map(function (id) {
    return document.getElementById(id);
  });
  function apply() {
    var dur = controls[0].value, kind = controls[1].value;
    var maxAsc = parseFloat(controls[2].value), minTrail = parseFloat(controls[3].value);
    var shown = {};
    var count = 0;
    rows.forEach(function (tr) {
      var ok = (!dur || tr.dataset.duration === dur) &&
        (!kind || tr.dataset.kind === kind) &&
        (isNaN(maxAsc) || parseFloat(tr.dataset.ascent) <= maxAsc) &&
        (isNaN(minTrail) || parseFloat(tr.dataset.trail) * 100 >= minTrail);
      tr.hidden = !ok;
      if (ok) { shown[tr.dataset.trailhead] = true; count += 1; }
    });
    Object.keys(markers).forEach(function (id) {
      markers[id].setStyle({ opacity: shown[id] ? 1 : 0.15, fillOpacity: shown[id] ? 0.6 : 0.05 });
    });
    document.getElementById("count").textContent = String(count);
  }
  controls.forEach(function (c) { c.addEventListener("input", apply); });
  apply();
})();
