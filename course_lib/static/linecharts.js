// Line charts side by side (the training playground): the kernel sends the numbers, this draws.
// Traits: panels (title, labels, scale, series rows of data), data (float64 rows of `columns`),
// status and note (text under the controls), diverged_at (epoch index or -1), labels (the
// words drawn here, in the learner's language: see say() in common.js).

const PANEL_HEIGHT = 230;
const MARGIN = { left: 62, right: 14, top: 10, bottom: 44 };

let COLUMNS = 0;  // values per row of data, set before each drawing

function seriesValues(all, s) {
  return all.subarray(s.row * COLUMNS, (s.row + 1) * COLUMNS);
}

/** The y transform and ticks of a panel: log10 for losses spanning decades, symlog for huge values. */
function yAxis(panel, all) {
  let lo = Infinity, hi = -Infinity, posLo = Infinity, posHi = -Infinity;
  for (const s of panel.series) {
    for (const v of seriesValues(all, s)) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v > 0) {
        if (v < posLo) posLo = v;
        if (v > posHi) posHi = v;
      }
    }
  }
  if (lo === Infinity) { lo = 0; hi = 1; }
  if (panel.scale === "loss" && posHi > 0 && Math.log10(posHi) - Math.log10(posLo) > 2) {
    const a = Math.floor(Math.log10(posLo)), b = Math.ceil(Math.log10(posHi));
    return {
      kind: "log", lo: a, hi: b === a ? a + 1 : b,
      map: (v) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : NaN),
      ticks: decadeTicks(a, b === a ? a + 1 : b).map((d) => [d, formatDecade(d)]),
    };
  }
  if (Math.max(Math.abs(lo), Math.abs(hi)) > 1e3) {
    const a = symlog(lo), b = symlog(hi), pad = 0.05 * (b - a || 1);
    const top = Math.ceil(Math.max(Math.abs(a), Math.abs(b)));
    const every = Math.max(1, Math.ceil(top / 3));
    const ticks = [[0, "0"]];
    for (let d = every; d <= top; d += every) {
      ticks.push([symlog(10 ** d), formatDecade(d)], [symlog(-(10 ** d)), `−${formatDecade(d)}`]);
    }
    return {
      kind: "symlog", lo: a - pad, hi: b + pad, map: (v) => (Number.isFinite(v) ? symlog(v) : NaN),
      ticks: ticks.filter(([t]) => t >= a - pad && t <= b + pad),
    };
  }
  const pad = hi > lo ? 0.06 * (hi - lo) : Math.max(Math.abs(hi) * 0.1, 0.5);
  const a = lo - pad, b = hi + pad;
  return {
    kind: "linear", lo: a, hi: b, map: (v) => (Number.isFinite(v) ? v : NaN),
    ticks: linearTicks(a, b, 5).map((t) => [t, formatNumber(t)]),
  };
}

function firstNonFinite(values) {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function drawPanel(canvas, panel, all, width, epochs, divergedAt, labels) {
  const ctx = sizedContext(canvas, width, PANEL_HEIGHT);
  const box = {
    x: MARGIN.left, y: MARGIN.top,
    w: Math.max(20, width - MARGIN.left - MARGIN.right),
    h: PANEL_HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const y = yAxis(panel, all);
  const xmax = Math.max(epochs, 1);
  const px = (i) => box.x + (i / xmax) * box.w;
  const py = (v) => box.y + box.h - ((v - y.lo) / (y.hi - y.lo)) * box.h;

  ctx.font = font(MIN_FONT_PX);
  ctx.strokeStyle = "#d0d0d0";
  ctx.fillStyle = "#222";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const [t, text] of y.ticks) {
    const yy = Math.round(py(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(box.x, yy); ctx.lineTo(box.x + box.w, yy); ctx.stroke();
    ctx.fillText(text, box.x - 6, yy);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of linearTicks(0, xmax, Math.max(2, Math.floor(box.w / 70)))) {
    if (t !== Math.round(t)) continue;
    const xx = Math.round(px(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(xx, box.y); ctx.lineTo(xx, box.y + box.h); ctx.stroke();
    ctx.fillText(formatNumber(t), xx, box.y + box.h + 5);
  }
  ctx.strokeStyle = "#555";
  ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w, box.h);
  ctx.fillText(panel.xlabel, box.x + box.w / 2, box.y + box.h + 24);
  ctx.save();
  ctx.translate(14, box.y + box.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  const ylabel = y.kind === "linear" ? panel.ylabel : say(labels, `${y.kind}_scale`, { label: panel.ylabel });
  ctx.fillText(ylabel, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
  let overflow = -1;
  for (const s of panel.series) {
    const values = seriesValues(all, s);
    const bad = firstNonFinite(values);
    if (bad >= 0 && (overflow < 0 || bad < overflow)) overflow = bad;
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = s.width || 1.8;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < values.length; i++) {
      const v = y.map(values[i]);
      if (Number.isNaN(v)) { pen = false; continue; }
      if (pen) ctx.lineTo(px(i), py(v)); else ctx.moveTo(px(i), py(v));
      pen = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const mark = divergedAt >= 0 ? divergedAt : overflow;
  if (mark >= 0) {
    const xx = px(mark);
    ctx.strokeStyle = OKABE_ITO.vermillion;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 4]);
    ctx.beginPath(); ctx.moveTo(xx, box.y); ctx.lineTo(xx, box.y + box.h); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = OKABE_ITO.vermillion;
    ctx.font = font(MIN_FONT_PX, "bold");
    ctx.textAlign = xx > box.x + box.w / 2 ? "right" : "left";
    ctx.textBaseline = "top";
    ctx.fillText(say(labels, "overflowed_at", { epoch: mark }), xx + (ctx.textAlign === "right" ? -4 : 4), box.y + 4);
  }
  ctx.restore();
  return { scale: y.kind, overflow: mark };
}

function describe(panel, all, state, labels) {
  const parts = [say(labels, "describe_title", { title: panel.title })];
  if (state.overflow >= 0) parts.push(say(labels, "describe_overflow", { epoch: state.overflow }));
  const first = panel.series[0];
  if (first) {
    const v = seriesValues(all, first);
    const finite = Array.from(v).filter(Number.isFinite);
    if (finite.length) {
      parts.push(say(labels, "describe_series", {
        label: first.label, first: formatNumber(finite[0]), last: formatNumber(finite[finite.length - 1]),
      }));
    }
  }
  return parts.join(" ");
}

export default {
  render({ model, el }) {
    const root = element("div", "course-charts", el);
    const status = element("div", "course-status", root);
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const main = element("div", "course-status-main", status);
    const note = element("div", "course-status-note", status);
    const row = element("div", "course-charts-row", root);
    root.dataset.minFontPx = String(MIN_FONT_PX);  // the canvases' smallest text
    let panels = [];

    function build() {
      row.replaceChildren();
      panels = model.get("panels").map((spec) => {
        const figure = element("figure", "course-chart", row);
        element("figcaption", "course-chart-title", figure, spec.title);
        const canvas = element("canvas", "course-chart-canvas", figure);
        canvas.setAttribute("role", "img");
        let legend = null;
        if (spec.legend) {
          legend = element("ul", "course-chart-legend", figure);
          for (const s of spec.series) {
            const item = element("li", "", legend);
            const swatch = element("span", "course-swatch", item);
            swatch.style.borderTopColor = s.colour;
            swatch.style.borderTopStyle = s.dash && s.dash.length ? (s.dash[0] > 2 ? "dashed" : "dotted") : "solid";
            element("span", "", item, s.label);
          }
        }
        return { spec, figure, canvas };
      });
    }

    function nameSliders() {
      // ipywidgets 8.1 gives a slider's handle (role slider) no accessible name: lend it the
      // slider's visible description, so screen readers say "learning rate", not "slider"
      const box = el.closest(".course-playground");
      if (!box) return;
      for (const slider of box.querySelectorAll(".widget-slider")) {
        const label = slider.querySelector(".widget-label");
        const handle = slider.querySelector("[role=slider]");
        if (label && handle && !handle.hasAttribute("aria-label")) {
          handle.setAttribute("aria-label", label.textContent.trim());
        }
      }
    }

    function draw() {
      nameSliders();
      const all = floats(model.get("data"));
      COLUMNS = model.get("columns");
      const epochs = model.get("epochs"), divergedAt = model.get("diverged_at");
      const labels = model.get("labels");
      main.textContent = model.get("status");
      note.textContent = model.get("note");
      const scales = [];
      let overflow = -1;
      for (const p of panels) {
        const width = Math.floor(p.figure.clientWidth);
        if (width <= 0) continue;
        const state = drawPanel(p.canvas, p.spec, all, width, epochs, divergedAt, labels);
        p.canvas.setAttribute("aria-label", describe(p.spec, all, state, labels));
        scales.push(state.scale);
        if (state.overflow >= 0) overflow = state.overflow;
      }
      root.dataset.scales = scales.join(" ");
      root.dataset.overflow = String(overflow);
      stampFrame(el);
    }

    const schedule = frameScheduler(draw);
    build();
    model.on("change:panels", () => { build(); schedule(); });
    for (const name of ["data", "status", "note", "epochs", "diverged_at", "labels"]) {
      model.on(`change:${name}`, schedule);
    }
    const stop = onWidthChange(row, schedule);
    schedule();
    return stop;
  },
};
