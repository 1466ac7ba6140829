"""How much of each map its panels, legends and controls cover, with no internet.

Opens HTML maps in headless Chromium (Debian's ``/usr/bin/chromium``) at 1280×800
and 390×844 with every request that is not a local file refused, waits for the
page to settle, and samples ``document.elementFromPoint`` on a 40 × 30 grid over
each Leaflet map: a point is covered unless the map itself or one of its panes
(tiles, basemap, routes, markers, names) is on top.  Also counts the place names
drawn and the safety markers.  Optionally saves a screenshot of each.

Make the pages first, for example from the 2025 Andorra sample::

    routeplanner loop --region andorra --data-dir ../shared/data --start "La Massana" \\
        --duration 75m --alternatives 3 --safety --seed 7 --out /tmp/maps/loop.html
    routeplanner group routeplanner/data/events/saturday.toml --data-dir ../shared/data \\
        --safety --out-dir /tmp/maps/group

then::

    .venv/bin/python scripts/map_coverage.py /tmp/maps/loop.html /tmp/maps/group/map.html \\
        [--shots /tmp/maps/shots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SIZES = ((1280, 800), (390, 844))

_MEASURE = """() => {
  const out = [];
  document.querySelectorAll('.leaflet-container').forEach(c => {
    const r = c.getBoundingClientRect(), pane = c.querySelector('.leaflet-map-pane');
    const x0 = Math.max(r.left, 0), y0 = Math.max(r.top, 0);
    const x1 = Math.min(r.right, innerWidth), y1 = Math.min(r.bottom, innerHeight);
    if (x1 - x0 < 20 || y1 - y0 < 20) { return; }
    let n = 0, covered = 0;
    for (let i = 0; i < 40; i++) for (let j = 0; j < 30; j++) {
      const el = document.elementFromPoint(x0 + (i + .5) * (x1 - x0) / 40,
                                           y0 + (j + .5) * (y1 - y0) / 30);
      n++;
      if (!(el === c || (pane && pane.contains(el)))) { covered++; }
    }
    const names = Array.from(c.querySelectorAll('.rp-place'))
      .filter(e => e.style.visibility !== 'hidden').length;
    out.push([covered / n, names, c.querySelectorAll('.rp-safety-point').length]);
  });
  return out;
}"""


def measure(paths: list[Path], shots: Path | None) -> list[tuple[str, int, float, int, int]]:
    """Return ``(page, width, coverage, names, safety markers)`` of each page's first map."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for path in paths:
            for w, h in SIZES:
                ctx = browser.new_context(viewport={"width": w, "height": h})
                page = ctx.new_page()
                page.route(
                    "**/*",
                    lambda route: (
                        route.continue_()
                        if route.request.url.startswith(("file:", "data:"))
                        else route.abort()
                    ),
                )
                page.goto(path.resolve().as_uri())
                page.wait_for_timeout(1500)
                found = page.evaluate(_MEASURE)
                if found:
                    rows.append((str(path), w, *found[0]))
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"{path.stem}-{w}.png"))
                ctx.close()
        browser.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure the pages named on the command line and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+", type=Path, help="HTML maps to open")
    ap.add_argument("--shots", type=Path, help="folder for screenshots")
    args = ap.parse_args(argv)
    print("| page | size | covered | names | safety markers |")
    print("| --- | --- | --- | --- | --- |")
    for page, w, cov, names, marks in measure(args.pages, args.shots):
        size = "1280×800" if w == 1280 else "390×844"
        print(f"| {page} | {size} | {cov:.0%} | {names} | {marks} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
