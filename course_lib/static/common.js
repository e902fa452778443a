// Drawing helpers shared by the course's browser widgets (prepended to each widget's module).
// Canvas pictures sized to their container in CSS pixels; text never smaller than MIN_FONT_PX.

const MIN_FONT_PX = 12;
// Okabe & Ito (2008): distinct under the common forms of colour blindness.
const OKABE_ITO = {
  black: "#000000", orange: "#E69F00", skyBlue: "#56B4E9", bluishGreen: "#009E73",
  yellow: "#F0E442", blue: "#0072B2", vermillion: "#D55E00", reddishPurple: "#CC79A7",
};

function font(px, weight = "") {
  return `${weight} ${Math.max(px, MIN_FONT_PX)}px system-ui, -apple-system, "Segoe UI", sans-serif`;
}

/** A 2-D context for `canvas` drawn at `width` x `height` CSS pixels, sharp on any screen. */
function sizedContext(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * ratio)), h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** About `n` round ticks covering [lo, hi]. */
function linearTicks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

/** Ticks for an axis of log10 values [lo, hi]: whole decades, every k-th so at most `n`. */
function decadeTicks(lo, hi, n = 6) {
  const first = Math.ceil(lo), last = Math.floor(hi);
  const every = Math.max(1, Math.ceil((last - first + 1) / n));
  const ticks = [];
  for (let d = first; d <= last; d++) if (d % every === 0) ticks.push(d);
  return ticks;
}

function formatNumber(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

function formatDecade(d) {
  return d === 0 ? "1" : d === 1 ? "10" : `1e${d}`;
}

/** Symmetric log: sign(v) * log10(1 + |v|), for values that run into the thousands and beyond. */
function symlog(v) {
  return Math.sign(v) * Math.log10(1 + Math.abs(v));
}

/** Call `draw(width)` now and whenever `el` changes width (at most once a frame). */
function onWidthChange(el, draw) {
  let last = -1, queued = false;
  const observer = new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const width = Math.floor(el.clientWidth);
      if (width > 0 && width !== last) {
        last = width;
        draw(width);
      }
    });
  });
  observer.observe(el);
  return () => observer.disconnect();
}

/** Draw once for all the changes one message brings (they arrive together, synchronously):
 * the drawing runs as a microtask, before the browser paints the next frame. */
function frameScheduler(draw) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      draw();
    });
  };
}

/** Record a finished picture on its element: a counter and the time (for tests and bench/). */
function stampFrame(el) {
  el.dataset.frames = String(Number(el.dataset.frames || 0) + 1);
  el.dataset.drawnAt = String(performance.now());
}

/** The text the kernel sent for `key` (``labels`` trait, in the learner's language), with its
 * {name} placeholders filled from `values`. This file holds no text a learner reads. */
function say(labels, key, values = {}) {
  const text = labels && typeof labels[key] === "string" ? labels[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

/** Float64 (or Float32) values from a synced bytes trait (a DataView, or nothing yet). */
function floats(view, Type = Float64Array) {
  if (!view || !view.buffer) return new Type(0);
  return new Type(view.buffer, view.byteOffset, Math.floor(view.byteLength / Type.BYTES_PER_ELEMENT));
}

const STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5 };

/** Arrow keys, Page Up/Down, Home and End for sliders, number fields and selects, done here:
 * JupyterLab cancels the browser's own handling of some of these keys inside a notebook. */
function keyboardControls(event) {
  const target = event.target, key = event.key;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (!(key in STEPS) && key !== "Home" && key !== "End") return;
  const isRange = target.matches("input[type=range], input[type=number]");
  const isSelect = target.matches("select");
  if (!isRange && !isSelect) return;
  if (isRange && target.type === "number" && !["ArrowUp", "ArrowDown"].includes(key)) return;
  event.preventDefault();
  event.stopPropagation();
  const before = target.value;
  if (isSelect) {
    const last = target.options.length - 1;
    const step = Math.sign(STEPS[key] || 0);
    target.selectedIndex = key === "Home" ? 0 : key === "End" ? last
      : Math.max(0, Math.min(last, target.selectedIndex + step));
  } else if (key === "Home") target.value = target.min;
  else if (key === "End") target.value = target.max;
  else if (STEPS[key] > 0) target.stepUp(STEPS[key]);
  else target.stepDown(-STEPS[key]);
  if (target.value !== before) {
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
  }
}
