"""A self-contained HTML view of ARC tasks or batches: one file, no network, no external files.

``arcdata render SOURCE -o tasks.html`` and ``pipespec preview SPEC -o batch.html`` write it
(through :func:`arcdata.render.render_task` / :func:`~arcdata.render.render_batch`); open it from
the file system in any current browser. One page per task (a pair batch is one page): arrow
keys, ``j``/``k`` or the buttons move between pages, ``Home``/``End`` jump, ``#N`` in the address
opens page N; hovering a cell shows its row, column and colour.

The layout is the one of the PNG (:func:`arcdata.render.layout`, cells a little larger), placed
below a header of :data:`HEADER_H` pixels, so a grid's cell (r, c) is at a computable pixel of
a screenshot. The grids travel as JSON in the page (rows of digit strings, ``.`` for padding) and
a short inline script draws the current page on ``<canvas>`` elements, each with
``data-x``/``data-y``/``data-cell`` attributes giving its position.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from .render import (
    COLOUR_NAMES,
    LINE,
    PAD_FACE,
    PAD_HATCH,
    PALETTE,
    TEXT,
    WRONG,
    GridBox,
    Section,
    TextBox,
    layout,
)

__all__ = ["CELL_MAX", "CELL_TARGET", "HEADER_H", "page", "page_data"]

HEADER_H = 40
"""Height of the header bar in CSS pixels; page items are placed below it."""
CELL_TARGET, CELL_MAX = 200, 32


def _rows(box: GridBox) -> list[str]:
    g = box.panel.grid
    assert g is not None
    pad = (g < 0) | (g > 9)
    if box.panel.mask is not None:
        pad = pad | ~box.panel.mask
    chars = np.where(pad, ".", np.clip(g, 0, 9).astype(str))
    return ["".join(r) for r in chars]


def _item(it: TextBox | GridBox) -> dict[str, Any]:
    if isinstance(it, TextBox):
        return {"t": it.text, "k": it.kind, "x": it.x, "y": it.y}
    out: dict[str, Any] = {
        "x": it.x,
        "y": it.y,
        "cell": it.cell,
        "rows": _rows(it),
        "name": it.name,
    }
    if it.panel.wrong is not None and it.panel.wrong.any():
        out["wrong"] = ["".join("x" if v else "." for v in r) for r in it.panel.wrong]
    if it.panel.alert:
        out["alert"] = True
    return out


def page_data(
    pages: Sequence[Sequence[Section]], *, title: str = "ARC", heading: str = ""
) -> dict[str, Any]:
    """The JSON the page carries: per page its title, size and positioned items.

    Every grid is drawn with lines between cells: cell (r, c) of a grid item fills the square
    ``x + c*cell + 1 .. x + (c+1)*cell - 1`` (likewise y), ``HEADER_H`` below the page's top.
    """
    out = []
    for secs in pages:
        items, width, height = layout(
            secs, heading=heading, lines=True, cell_target=CELL_TARGET, cell_max=CELL_MAX
        )
        name = secs[0].title if len(secs) == 1 else title
        out.append({"title": name, "w": width, "h": height, "items": [_item(i) for i in items]})
    return {
        "title": title,
        "header": HEADER_H,
        "palette": list(PALETTE),
        "names": list(COLOUR_NAMES),
        "pages": out,
    }


_CSS = f"""
*{{box-sizing:border-box}}
html,body{{margin:0;padding:0;background:#fff;color:{TEXT};
  font-family:"DejaVu Sans","Helvetica Neue",Arial,sans-serif}}
#bar{{position:sticky;top:0;z-index:2;height:{HEADER_H}px;display:flex;align-items:center;
  gap:10px;padding:0 10px;background:#f3f3f3;border-bottom:1px solid #ccc;
  font-size:13px;white-space:nowrap;overflow:hidden}}
#bar button{{font:inherit;padding:2px 10px}}
#bar select{{font:inherit;max-width:260px}}
#where{{font-weight:bold}}
#cellinfo{{color:#333;min-width:260px}}
#hint{{color:#777;margin-left:auto}}
#stage{{position:relative}}
.tx{{position:absolute;white-space:nowrap;line-height:1.15}}
.title,.heading{{font-weight:bold;font-size:12.5px}}
.note,.label{{font-size:11px}}
.note,.caption{{color:#444}}
.caption{{font-size:10.5px}}
.alert{{font-size:10.5px;color:{WRONG};font-weight:bold}}
.arrow{{font-size:16px;color:#444}}
canvas.grid{{position:absolute;image-rendering:pixelated;cursor:crosshair}}
#tip{{position:fixed;display:none;pointer-events:none;z-index:3;background:#222;color:#fff;
  font-size:12px;padding:3px 6px;border-radius:3px;white-space:nowrap}}
"""

_JS = (
    """
"use strict";
const D = JSON.parse(document.getElementById("arc-data").textContent);
const stage = document.getElementById("stage"), tip = document.getElementById("tip");
const where = document.getElementById("where"), info = document.getElementById("cellinfo");
const jump = document.getElementById("jump");
const LINE = "%LINE%", PAD = "%PAD%", HATCH = "%HATCH%", WRONG = "%WRONG%";
let current = 0;
D.pages.forEach((p, i) => {
  const o = document.createElement("option");
  o.value = i; o.textContent = (i + 1) + ". " + p.title; jump.appendChild(o);
});
function drawGrid(it) {
  const rows = it.rows, h = rows.length, w = h ? rows[0].length : 0, c = it.cell;
  const cv = document.createElement("canvas");
  cv.className = "grid"; cv.width = w * c + 1; cv.height = h * c + 1;
  cv.style.left = it.x + "px"; cv.style.top = it.y + "px";
  cv.dataset.x = it.x; cv.dataset.y = it.y + D.header; cv.dataset.cell = c;
  cv.dataset.h = h; cv.dataset.w = w; cv.dataset.name = it.name;
  const g = cv.getContext("2d");
  g.fillStyle = LINE; g.fillRect(0, 0, cv.width, cv.height);
  for (let r = 0; r < h; r++) for (let k = 0; k < w; k++) {
    const v = rows[r][k], x = k * c + 1, y = r * c + 1;
    if (v === ".") {
      g.fillStyle = PAD; g.fillRect(x, y, c - 1, c - 1); g.fillStyle = HATCH;
      for (let a = 0; a < c - 1; a++) for (let b = 0; b < c - 1; b++)
        if ((x + y + a + b) % 4 === 0) g.fillRect(x + b, y + a, 1, 1);
    } else { g.fillStyle = D.palette[+v]; g.fillRect(x, y, c - 1, c - 1); }
    if (it.wrong && it.wrong[r][k] === "x") {
      g.fillStyle = WRONG;
      for (let d = 0; d < c - 1; d++) { g.fillRect(x + d, y + d, 1, 1); g.fillRect(x + c - 2 - d, y + d, 1, 1); }
    }
  }
  if (it.alert) { g.strokeStyle = WRONG; g.lineWidth = 2; g.strokeRect(1, 1, cv.width - 2, cv.height - 2); }
  cv.addEventListener("mousemove", (e) => {
    const k = Math.floor((e.offsetX - 1) / c), r = Math.floor((e.offsetY - 1) / c);
    if (r < 0 || k < 0 || r >= h || k >= w) return;
    const v = rows[r][k];
    const colour = v === "." ? "padding" : v + " " + D.names[+v];
    const text = it.name + ": row " + r + ", col " + k + " = " + colour;
    info.textContent = text; tip.textContent = text; tip.style.display = "block";
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
  });
  cv.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  return cv;
}
function show(i) {
  const n = D.pages.length;
  current = Math.max(0, Math.min(n - 1, i));
  const p = D.pages[current];
  stage.replaceChildren();
  stage.style.width = p.w + "px"; stage.style.height = p.h + "px";
  for (const it of p.items) {
    if (it.rows) { stage.appendChild(drawGrid(it)); continue; }
    const d = document.createElement("div");
    d.className = "tx " + it.k; d.textContent = it.t;
    d.style.left = it.x + "px"; d.style.top = it.y + "px";
    stage.appendChild(d);
  }
  where.textContent = (current + 1) + " / " + n + "  " + p.title;
  jump.value = current; document.title = p.title + " - " + D.title;
  document.body.dataset.page = current;
  if (location.hash !== "#" + (current + 1)) history.replaceState(null, "", "#" + (current + 1));
  window.scrollTo(0, 0);
}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
jump.onchange = () => show(+jump.value);
document.addEventListener("keydown", (e) => {
  if (e.target === jump || e.altKey || e.ctrlKey || e.metaKey) return;
  const k = e.key;
  if (k === "ArrowRight" || k === "j" || k === "n" || k === "PageDown") show(current + 1);
  else if (k === "ArrowLeft" || k === "k" || k === "p" || k === "PageUp") show(current - 1);
  else if (k === "Home") show(0);
  else if (k === "End") show(D.pages.length - 1);
  else return;
  e.preventDefault();
});
window.addEventListener("hashchange", () => {
  const i = parseInt(location.hash.slice(1), 10);
  if (i - 1 !== current && i >= 1) show(i - 1);
});
show((parseInt(location.hash.slice(1), 10) || 1) - 1);
""".replace("%LINE%", LINE)
    .replace("%PAD%", PAD_FACE)
    .replace("%HATCH%", PAD_HATCH)
    .replace("%WRONG%", WRONG)
)


def page(pages: Sequence[Sequence[Section]], *, title: str = "ARC", heading: str = "") -> str:
    """The whole HTML document for ``pages`` (each a list of sections laid out together)."""
    data = json.dumps(page_data(pages, title=title, heading=heading), separators=(",", ":"))
    data = data.replace("</", "<\\/")  # never close the script element early
    n = len(pages)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        '<div id="bar"><button id="prev" title="previous (Left, k)">&#9664;</button>'
        '<span id="where"></span>'
        '<button id="next" title="next (Right, j)">&#9654;</button>'
        f'<select id="jump" aria-label="go to page ({n})"></select>'
        '<span id="cellinfo"></span>'
        '<span id="hint">&#8592; &#8594; / j k: previous, next &middot; hover a cell</span></div>\n'
        '<div id="stage"></div><div id="tip"></div>\n'
        "<noscript>This view draws the grids with JavaScript; please enable it.</noscript>\n"
        f'<script type="application/json" id="arc-data">{data}</script>\n'
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )
