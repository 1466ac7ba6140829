// routeplanner serve: the planner page. Every asset is served by the planner itself,
// so the page works with no internet. The URL holds the whole state.
"use strict";
(function () {
  const API_KEYS = ["start", "duration", "alternatives", "pace", "model", "profile", "allow_roads",
    "min_trail", "max_ascent", "max_ascent_rate", "max_difficulty", "seed", "via", "segment"];
  const COLOURS = ["#c0392b", "#1f6fb2", "#8e44ad", "#d35400", "#16a085"];
  const $ = (id) => document.getElementById(id);
  const state = {};
  let selected = 0;
  let current = null; // the FeatureCollection shown
  let inflight = null;
  let timer = null;
  let fitted = false; // the map is fitted to the first loop only, not as you move

  // -- the map and its offline basemap ------------------------------------------------
  const map = L.map("map", { zoomControl: true, preferCanvas: false });
  // For the tests and the curious: the map, the loops shown, the drag handle.
  window.planner = { map: map, current: () => current, handle: () => viaHandle, state: state };
  map.createPane("rp-dem").style.zIndex = 250;
  map.createPane("rp-net").style.zIndex = 350;
  const online = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19, attribution: "© OpenStreetMap contributors",
  });
  const hillshade = L.layerGroup().addTo(map);
  const water = L.layerGroup().addTo(map);
  const ways = L.layerGroup().addTo(map);
  const names = L.layerGroup().addTo(map);
  const climbs = L.layerGroup().addTo(map);
  const routes = L.layerGroup().addTo(map);
  const safety = L.layerGroup().addTo(map);
  // The region's place names and water, drawn by the command line maps' own basemap
  // script (/api/basemap/names.js) into these layers.
  window.planner.layers = { names: names, water: water, online: online, climbs: climbs };
  L.control.layers(null, {
    "Hillshade": hillshade,
    "Water": water,
    "Trails and roads": ways,
    "Place names": names,
    "Climbs and descents near the start": climbs,
    "Safety points": safety,
    "OpenStreetMap tiles (online)": online,
  }, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  let startMarker = null;
  let viaHandle = null;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function decodeLines(data) {
    data.groups.forEach(([s, t, lines]) => {
      const [colour, weight, opacity, dash] = data.styles[s];
      const latlngs = lines.map((code) => {
        const out = [];
        let lat = 0, lon = 0;
        for (let i = 0; i < code.length; i += 2) {
          lat += code[i]; lon += code[i + 1];
          out.push([lat / 1e5, lon / 1e5]);
        }
        return out;
      });
      L.polyline(latlngs, { color: colour, weight: weight, opacity: opacity, dashArray: dash || null,
        pane: "rp-net", interactive: false }).addTo(ways);
    });
  }

  async function loadBasemap(bbox) {
    try {
      const info = await (await fetch("/api/basemap/info")).json();
      const [w, s, e, n] = info.hillshade_bounds;
      L.imageOverlay("/api/basemap/hillshade.png", [[s, w], [n, e]], { pane: "rp-dem", opacity: 0.55 }).addTo(hillshade);
    } catch (err) { /* no DEM overlay: the ways still show */ }
    try {
      const data = await (await fetch("/api/basemap/network.json")).json();
      if (data) decodeLines(data);
    } catch (err) { /* nothing to draw */ }
    const script = document.createElement("script");
    script.src = "/api/basemap/names.js";
    script.onload = () => { document.body.dataset.names = "ready"; };
    document.head.appendChild(script);
  }

  // -- state <-> URL and form ---------------------------------------------------------
  function parseMinutes(text) {
    const t = String(text || "").trim().toLowerCase().replace(/\s+/g, "");
    let m;
    if ((m = t.match(/^(\d+(?:\.\d+)?)(m|min)?$/))) return parseFloat(m[1]);
    if ((m = t.match(/^(\d+(?:\.\d+)?)h$/))) return parseFloat(m[1]) * 60;
    if ((m = t.match(/^(\d+)h(\d+)(m|min)?$/))) return parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
    if ((m = t.match(/^(\d+):(\d\d)(?::(\d\d))?$/))) return parseInt(m[1], 10) * 60 + parseInt(m[2], 10) + (m[3] ? parseInt(m[3], 10) / 60 : 0);
    if ((m = t.match(/^(\d+)s$/))) return parseInt(m[1], 10) / 60;
    return null;
  }

  function fmtMinutes(min) {
    const h = Math.floor(min / 60), m = Math.round(min % 60);
    return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
  }

  function fmtSeconds(s) { return fmtMinutes(Math.round(s / 60)); }

  function readUrl() {
    const p = new URLSearchParams(location.search);
    API_KEYS.forEach((k) => { if (p.has(k) && p.get(k) !== "") state[k] = p.get(k); });
    if (!state.duration) state.duration = "75m";
    selected = Math.max(0, parseInt(p.get("sel") || "0", 10) || 0);
  }

  function writeUrl() {
    const p = new URLSearchParams();
    API_KEYS.forEach((k) => { if (state[k] !== undefined && state[k] !== "") p.set(k, state[k]); });
    if (selected) p.set("sel", String(selected));
    history.replaceState(null, "", "/?" + p.toString());
  }

  function apiQuery() {
    const p = new URLSearchParams();
    API_KEYS.forEach((k) => { if (state[k] !== undefined && state[k] !== "") p.set(k, state[k]); });
    return p.toString();
  }

  function toForm() {
    const min = parseMinutes(state.duration);
    if (min !== null) $("duration").value = Math.min(240, Math.max(15, Math.round(min / 5) * 5));
    $("duration-out").textContent = min !== null ? fmtMinutes(min) : state.duration;
    $("pace").value = state.pace || "6:00";
    $("model").value = state.model || "";
    $("profile").checked = state.profile === "1";
    $("allow_roads").checked = state.allow_roads === "1";
    $("min_trail").value = state.min_trail || "";
    $("max_difficulty").value = state.max_difficulty || "";
    $("max_ascent").value = (state.max_ascent || "").replace(/m$/, "");
    $("max_ascent_rate").value = (state.max_ascent_rate || "").replace(/m\/h$/, "");
    $("alternatives").value = state.alternatives || "1";
    $("clear-via").hidden = !state.via && !state.segment;
    if (state.allow_roads || state.min_trail || state.max_difficulty || state.max_ascent || state.max_ascent_rate) {
      $("trail-first").open = true;
    }
  }

  function fromForm() {
    state.duration = $("duration").value + "m";
    $("duration-out").textContent = fmtMinutes(parseInt($("duration").value, 10));
    state.pace = $("pace").value.trim() === "6:00" ? "" : $("pace").value.trim();
    state.model = $("model").value; // "" is the default curve (mountain)
    state.profile = $("profile").checked ? "1" : "";
    state.allow_roads = $("allow_roads").checked ? "1" : "";
    state.min_trail = $("min_trail").value;
    state.max_difficulty = $("max_difficulty").value;
    state.max_ascent = $("max_ascent").value ? $("max_ascent").value + "m" : "";
    state.max_ascent_rate = $("max_ascent_rate").value ? $("max_ascent_rate").value + "m/h" : "";
    state.alternatives = $("alternatives").value === "1" ? "" : $("alternatives").value;
  }

  // -- querying -------------------------------------------------------------------
  function status(text, isError) {
    $("status").textContent = text;
    $("status").classList.toggle("error", !!isError);
  }

  function schedule(delay) {
    writeUrl();
    clearTimeout(timer);
    timer = setTimeout(plan, delay === undefined ? 120 : delay);
  }

  async function plan() {
    if (!state.start) { status("Set the start: click the map or type a place."); return; }
    if (inflight) inflight.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    status("Searching…");
    document.body.dataset.state = "loading";
    try {
      const r = await fetch("/api/loops?" + apiQuery(), { signal: ctrl.signal });
      const data = await r.json();
      if (ctrl !== inflight) return;
      if (!r.ok) { status(data.error || "The planner could not answer.", true); document.body.dataset.state = "error"; return; }
      current = data;
      if (selected >= data.features.length) selected = 0;
      draw();
      status(`${data.features.length} loop(s) in ${Math.round(data.search_s * 1000)} ms of search.`);
      document.body.dataset.state = "ready";
    } catch (err) {
      if (err.name !== "AbortError") { status("The planner did not answer: is it still running?", true); document.body.dataset.state = "error"; }
    } finally {
      if (ctrl === inflight) inflight = null;
    }
  }

  // -- drawing ----------------------------------------------------------------------
  function distances(coords) {
    const out = [0];
    for (let i = 1; i < coords.length; i++) {
      const [lo1, la1] = coords[i - 1], [lo2, la2] = coords[i];
      const k = Math.PI / 180, x = (lo2 - lo1) * k * Math.cos((la1 + la2) * k / 2), y = (la2 - la1) * k;
      out.push(out[i - 1] + 6371000 * Math.hypot(x, y));
    }
    return out;
  }

  function profileSvg(coords, colour) {
    const d = distances(coords), z = coords.map((c) => c[2] || 0);
    const W = 320, H = 84, L0 = 34, B = 14, T = 6;
    const zmin = Math.min(...z), zmax = Math.max(...z), span = Math.max(zmax - zmin, 10), dmax = d[d.length - 1] || 1;
    const step = Math.max(1, Math.ceil(d.length / 300));
    let pts = "";
    for (let i = 0; i < d.length; i += step) {
      pts += `${(L0 + (W - L0 - 4) * d[i] / dmax).toFixed(1)},${(T + (H - T - B) * (1 - (z[i] - zmin) / span)).toFixed(1)} `;
    }
    return `<svg class="profile" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="Elevation profile">` +
      `<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"/>` +
      `<text x="0" y="${T + 8}">${Math.round(zmax)} m</text><text x="0" y="${H - B}">${Math.round(zmin)} m</text>` +
      `<text x="${L0}" y="${H - 2}">0</text><text x="${W - 40}" y="${H - 2}">${(dmax / 1000).toFixed(1)} km</text></svg>`;
  }

  function card(f, i) {
    const p = f.properties, colour = COLOURS[i % COLOURS.length];
    const range = p.duration_range_s ? `${fmtSeconds(p.duration_range_s[0])} to ${fmtSeconds(p.duration_range_s[1])} on 80 % of days`
      : "80 % range: fit your pace profile (routeplanner pace fit)";
    const missed = p.meets_brief === false ? `<div class="missed">MISSED: ${esc(p.misses.join("; "))}</div>` : "";
    // A range from recordings that disagree says so wherever it is shown, as the CLI does.
    const note = p.duration_range_s && p.duration_range_note ? `<div class="range-note">⚠ ${esc(p.duration_range_note)}</div>` : "";
    return `<div class="card${i === selected ? " sel" : ""}" style="--c:${colour}" data-index="${i}">` +
      `<h2>${esc(p.name)}</h2><div><span class="time">${fmtSeconds(p.duration_s)}</span> <span class="range">${esc(range)}</span></div>${note}` +
      `<div class="stats">${(p.distance_m / 1000).toFixed(1)} km · +${Math.round(p.ascent_m)} / −${Math.round(p.descent_m)} m · trail ${Math.round(p.trail_share * 100)} %` +
      `${p.main_road_share > 0.005 ? ` · main road ${Math.round(p.main_road_share * 100)} %` : ""}</div>${missed}` +
      (i === selected ? profileSvg(f.geometry.coordinates, colour) : "") + `</div>`;
  }

  function pointAt(coords, share) {
    const d = distances(coords), want = d[d.length - 1] * share;
    let i = d.findIndex((x) => x >= want);
    if (i < 0) i = coords.length - 1;
    return [coords[i][1], coords[i][0]];
  }

  function dot(lat, lon, colour, text) {
    return L.circleMarker([lat, lon], { radius: 6, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1 })
      .bindTooltip(esc(text));
  }

  function drawSafety(p) {
    safety.clearLayers();
    const s = p.safety;
    if (!s) { $("safety").hidden = true; return; }
    (s.bailouts || []).forEach((b) => dot(b.lat, b.lon, "#e67e22", `Bail-out: ${b.name || "exit"} (${(b.along_m / 1000).toFixed(1)} km)`).addTo(safety));
    (s.water || []).forEach((w) => dot(w.lat, w.lon, "#2980b9", `Water: ${w.name || w.kind}`).addTo(safety));
    (s.shelters || []).forEach((h) => dot(h.lat, h.lon, "#7f8c8d", `Shelter: ${h.name || h.kind}`).addTo(safety));
    $("safety-text").textContent = p.safety_text || "";
    $("safety").hidden = false;
  }

  function draw() {
    routes.clearLayers();
    const feats = current.features;
    feats.forEach((f, i) => {
      if (i === selected) return;
      const line = L.polyline(f.geometry.coordinates.map((c) => [c[1], c[0]]),
        { color: COLOURS[i % COLOURS.length], weight: 4, opacity: 0.55 }).addTo(routes);
      line.on("click", () => select(i));
    });
    const f = feats[selected];
    const coords = f.geometry.coordinates;
    L.polyline(coords.map((c) => [c[1], c[0]]), { color: COLOURS[selected % COLOURS.length], weight: 6, opacity: 0.9 })
      .bindTooltip(esc(f.properties.name)).addTo(routes);
    $("results").innerHTML = feats.map(card).join("");
    $("results").querySelectorAll(".card").forEach((el) => el.addEventListener("click", () => select(parseInt(el.dataset.index, 10))));
    drawSafety(f.properties);
    if (!fitted) {
      fitted = true;
      map.fitBounds(L.latLngBounds(coords.map((c) => [c[1], c[0]])), { padding: [20, 20], animate: false });
    }
    placeViaHandle(state.via ? state.via.split(",").map(Number) : pointAt(coords, 0.45));
    exportsFor();
  }

  function select(i) {
    selected = i;
    writeUrl();
    draw();
  }

  function exportsFor() {
    const q = apiQuery();
    $("export-gpx").href = `/api/loops.gpx?${q}&index=${selected}`;
    $("export-fit").href = `/api/loops.fit?${q}&index=${selected}`;
    $("export-html").href = `/api/loops.html?${q}`;
    $("exports").hidden = false;
  }

  function placeViaHandle(latlon) {
    if (viaHandle) viaHandle.remove();
    viaHandle = L.marker(latlon, {
      draggable: true, autoPan: true, title: "Drag to make the loop pass there",
      icon: L.divIcon({ className: "via-handle", iconSize: [18, 18] }),
    }).addTo(map);
    viaHandle.bindTooltip("Drag me: the loop passes where you drop me");
    viaHandle.on("dragend", () => {
      const ll = viaHandle.getLatLng();
      state.via = `${ll.lat.toFixed(6)},${ll.lng.toFixed(6)}`;
      delete state.segment;
      $("clear-via").hidden = false;
      schedule(0);
    });
  }

  function setStart(lat, lon, label) {
    state.start = `${lat.toFixed(6)},${lon.toFixed(6)}`;
    delete state.via;
    delete state.segment;
    $("clear-via").hidden = true;
    if (label) $("place").value = label;
    else nameStart();
    drawStart();
    loadClimbs();
    schedule(0);
  }

  // A start set by a click or the URL is named by the nearest place, as a place typed is.
  async function nameStart() {
    const asked = state.start;
    $("place").value = "";
    try {
      const r = await fetch("/api/places?near=" + encodeURIComponent(asked));
      if (!r.ok || state.start !== asked) return;
      const near = (await r.json()).places[0];
      if (!near) return;
      const d = near.distance_m;
      $("place").value = d < 150 ? near.name : `${near.name} (${d < 1000 ? d + " m" : (d / 1000).toFixed(1) + " km"} away)`;
    } catch (err) { /* the field stays empty */ }
  }

  function drawStart() {
    if (!state.start) return;
    const [lat, lon] = state.start.split(",").map(Number);
    if (startMarker) startMarker.remove();
    startMarker = L.marker([lat, lon], { icon: L.divIcon({ className: "start-pin", iconSize: [16, 16] }), title: "Start / finish", zIndexOffset: 500 }).addTo(map);
  }

  async function loadClimbs() {
    climbs.clearLayers();
    if (!state.start) return;
    try {
      const r = await fetch(`/api/climbs?start=${encodeURIComponent(state.start)}`);
      if (!r.ok) return;
      (await r.json()).features.forEach((f) => {
        const p = f.properties, up = p.kind === "climb";
        const ll = f.geometry.coordinates.map((c) => [c[1], c[0]]);
        const line = L.polyline(ll, { color: up ? "#a93226" : "#2471a3", weight: 5, opacity: 0.6, dashArray: "6 6" }).addTo(climbs);
        const box = document.createElement("div");
        box.innerHTML = `<b>${up ? "Climb" : "Descent"}</b> ${esc(p.name || "")}<br>${(p.length_m / 1000).toFixed(2)} km, ` +
          `${up ? "+" : "−"}${Math.round(Math.abs(p.rise_m || 0))} m, ${Math.round((p.mean_grade || 0) * 100)} %<br>`;
        const add = document.createElement("button");
        add.type = "button";
        add.className = "add-segment";
        add.dataset.segment = p.id;
        add.textContent = up ? "Add to the loop, uphill" : "Add to the loop, downhill";
        add.addEventListener("click", () => {
          // The loop runs the segment its own way: its start, then its end.
          state.segment = p.id;
          delete state.via;
          $("clear-via").hidden = false;
          map.closePopup();
          schedule(0);
        });
        box.appendChild(add);
        line.bindPopup(box);
      });
    } catch (err) { /* the layer stays empty */ }
  }

  // -- place names --------------------------------------------------------------------
  let suggestions = [];
  let active = -1;
  function showSuggestions(list) {
    suggestions = list;
    active = -1;
    const ul = $("suggestions");
    ul.innerHTML = list.map((p, i) => `<li role="option" id="sug-${i}" data-i="${i}">${esc(p.name)}<small>${esc(p.kind)}</small></li>`).join("");
    ul.hidden = !list.length;
    $("place").setAttribute("aria-expanded", String(!!list.length));
    ul.querySelectorAll("li").forEach((li) => li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(parseInt(li.dataset.i, 10)); }));
  }
  function choose(i) {
    const p = suggestions[i];
    if (!p) return;
    showSuggestions([]);
    map.setView([p.lat, p.lon], Math.max(map.getZoom(), 14));
    setStart(p.lat, p.lon, p.name);
  }
  let placeTimer = null;
  $("place").addEventListener("input", () => {
    clearTimeout(placeTimer);
    const text = $("place").value;
    placeTimer = setTimeout(async () => {
      if (!text.trim()) { showSuggestions([]); return; }
      try {
        const r = await fetch("/api/places?q=" + encodeURIComponent(text));
        if (r.ok) showSuggestions((await r.json()).places);
      } catch (err) { showSuggestions([]); }
    }, 120);
  });
  $("place").addEventListener("keydown", (ev) => {
    const items = $("suggestions").querySelectorAll("li");
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!items.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (ev.key === "Escape") {
      showSuggestions([]);
    }
  });
  $("place").addEventListener("blur", () => setTimeout(() => showSuggestions([]), 150));

  // -- wiring -------------------------------------------------------------------------
  map.on("click", (ev) => setStart(ev.latlng.lat, ev.latlng.lng, ""));
  $("duration").addEventListener("input", () => { fromForm(); schedule(); });
  ["pace", "max_ascent", "max_ascent_rate"].forEach((id) => $(id).addEventListener("change", () => { fromForm(); schedule(0); }));
  ["model", "profile", "allow_roads", "min_trail", "max_difficulty", "alternatives"].forEach((id) =>
    $(id).addEventListener("change", () => { fromForm(); schedule(0); }));
  $("another").addEventListener("click", () => {
    state.seed = String((parseInt(state.seed || "0", 10) || 0) + 1);
    schedule(0);
  });
  $("clear-via").addEventListener("click", () => { delete state.via; delete state.segment; $("clear-via").hidden = true; schedule(0); });

  async function init() {
    readUrl();
    toForm();
    let region = null;
    try { region = await (await fetch("/api/region")).json(); } catch (err) { /* shown below */ }
    if (region) {
      $("region-name").textContent = region.name;
      $("attribution").textContent = region.attribution.join(" · ");
      $("profile-field").hidden = !region.profile;
      const [w, s, e, n] = region.bbox;
      map.fitBounds([[s, w], [n, e]]);
      loadBasemap(region.bbox);
    } else {
      map.setView([0, 0], 2);
    }
    if (state.start) {
      const [lat, lon] = state.start.split(",").map(Number);
      if (isFinite(lat) && isFinite(lon)) map.setView([lat, lon], 14);
      nameStart();
      drawStart();
      loadClimbs();
      plan();
    } else {
      status("Set the start: click the map or type a place.");
    }
  }
  init();
})();
