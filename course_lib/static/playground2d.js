// The data playground: controls, network (neuron pictures, weights as edges), decision
// boundary with the points, and train/test loss curves. The kernel trains (course_lib's MLP)
// and sends numbers; this file only draws and sends the learner's choices.
//
// Traits: options (choices for the controls), settings (the learner's choices, both ways),
// points (float32 rows x, y, class 0/1, is-test 0/1), extent [x0, x1, y0, y1],
// inputs (float32 feature pictures), frame (float32: boundary, hidden pictures),
// curves (float64: train then test loss per epoch),
// info (epoch, sizes, weights, summary, request), labels (every word shown, in the learner's
// language: see say() in common.js). Custom messages to the kernel:
// {action: "advance", epochs, request} and {action: "reset"}.

const TILE = 40;          // CSS px of a neuron's picture
const MAX_IN_FLIGHT = 3;  // Play keeps this many requests on their way, so the kernel never waits

function heat(v) {
  // -1 orange (#E69F00), 0 white, +1 blue (#0072B2): Okabe-Ito, safe for colour-blind readers
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const [r, g, b] = t < 0 ? [230, 159, 0] : [0, 114, 178];
  const a = Math.abs(t) * 0.85;
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}

/** Paint `values` (size x size, row 0 at the top) onto `canvas` at `px` CSS pixels square. */
function paintMap(canvas, values, size, px) {
  const ctx = sizedContext(canvas, px, px);
  const image = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = heat(values[i]);
    image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
  }
  const off = paintMap.scratch || (paintMap.scratch = document.createElement("canvas"));
  off.width = size; off.height = size;
  off.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, px, px);
  return ctx;
}

function labelled(parent, text, control) {
  const label = element("label", "course-pg-field", parent);
  element("span", "course-pg-label", label, text);
  label.appendChild(control);
  return control;
}

function select(parent, text, choices, value) {
  const s = document.createElement("select");
  for (const [label, v] of choices) {
    const o = element("option", "", s, label);
    o.value = String(v);
  }
  s.value = String(value);
  return labelled(parent, text, s);
}

function range(parent, text, min, max, step, value, format) {
  const input = document.createElement("input");
  Object.assign(input, { type: "range", min, max, step, value });
  const control = labelled(parent, text, input);
  const out = element("output", "course-pg-readout", control.parentElement, format(value));
  input.addEventListener("input", () => { out.textContent = format(Number(input.value)); });
  input.setAttribute("aria-valuetext", format(value));
  return input;
}

function button(parent, text, name, className = "") {
  const b = element("button", `course-pg-button ${className}`, parent, text);
  b.type = "button";
  if (name) b.setAttribute("aria-label", name);
  return b;
}

export default {
  render({ model, el }) {
    const opts = model.get("options"), labels = model.get("labels");
    const t = (key, values) => say(labels, key, values);
    const root = element("div", "course-pg2d", el);
    // JupyterLab's notebook shortcuts would take the arrow keys from the sliders and selects
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    root.addEventListener("keydown", keyboardControls);
    const controls = element("div", "course-pg-controls", root);
    const settings = () => ({ ...model.get("settings") });
    function change(key, value) {
      const s = settings();
      s[key] = value;
      model.set("settings", s);
      model.save_changes();
    }

    // --- controls: data, features, network, training; then the run buttons
    const data = element("fieldset", "course-pg-group", controls);
    element("legend", "", data, t("data"));
    const s0 = settings();
    const dataset = select(data, t("dataset"), opts.datasets, s0.dataset);
    dataset.addEventListener("change", () => change("dataset", dataset.value));
    const pct = (v) => `${Math.round(v * 100)}%`;
    const noise = range(data, t("noise"), 0, 0.5, 0.05, s0.noise, (v) => v.toFixed(2));
    noise.addEventListener("change", () => change("noise", Number(noise.value)));
    const ratio = range(data, t("test_share"), 0.1, 0.9, 0.1, s0.test_ratio, pct);
    ratio.addEventListener("change", () => change("test_ratio", Number(ratio.value)));
    const points = select(data, t("points"), opts.sizes.map((n) => [String(n), n]), s0.n);
    points.addEventListener("change", () => change("n", Number(points.value)));

    const feats = element("fieldset", "course-pg-group", controls);
    element("legend", "", feats, t("features"));
    const featureGrid = element("div", "course-pg-features", feats);
    const boxes = opts.features.map((name) => {
      const label = element("label", "course-pg-check", featureGrid);
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      label.appendChild(box);
      element("span", "", label, name.replace("^2", "²").replace("*", "·"));
      box.addEventListener("change", () => {
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        if (chosen.length === 0) { box.checked = true; return; }  // at least one input
        change("features", chosen);
      });
      return box;
    });

    const net = element("fieldset", "course-pg-group", controls);
    element("legend", "", net, t("network"));
    const layerRow = element("div", "course-pg-layers", net);
    const removeLayer = button(layerRow, "−", t("remove_layer"), "course-pg-remove-layer");
    const layerCount = element("span", "course-pg-layer-count", layerRow);
    const addLayer = button(layerRow, "+", t("add_layer"), "course-pg-add-layer");
    removeLayer.addEventListener("click", () => change("hidden", settings().hidden.slice(0, -1)));
    addLayer.addEventListener("click", () => change("hidden", [...settings().hidden, 2]));
    const activation = select(net, t("activation"), opts.activations, s0.activation);
    activation.addEventListener("change", () => change("activation", activation.value));
    const init = select(net, t("init"), opts.inits, s0.init);
    init.addEventListener("change", () => change("init", init.value));
    const seed = document.createElement("input");
    Object.assign(seed, { type: "number", min: 0, max: 1e6, step: 1, value: s0.seed });
    labelled(net, t("seed"), seed).classList.add("course-pg-seed");
    seed.addEventListener("change", () => change("seed", Math.max(0, Math.floor(Number(seed.value) || 0))));

    const train = element("fieldset", "course-pg-group", controls);
    element("legend", "", train, t("training"));
    const lr = select(train, t("lr"), opts.rates.map((r) => [String(r), r]), s0.lr);
    lr.addEventListener("change", () => change("lr", Number(lr.value)));
    const batch = range(train, t("batch_size"), 1, 30, 1, s0.batch_size, String);
    batch.addEventListener("change", () => change("batch_size", Number(batch.value)));
    const l2 = select(train, t("l2"), opts.l2s.map((r) => [String(r), r]), s0.l2);
    l2.addEventListener("change", () => change("l2", Number(l2.value)));

    const run = element("div", "course-pg-run", controls);
    const play = button(run, t("play"), t("play_name"), "course-pg-play");
    play.setAttribute("aria-pressed", "false");
    const step = button(run, t("step"), t("step_name"), "course-pg-step");
    const reset = button(run, t("reset"), t("reset_name"), "course-pg-reset");

    // --- the pictures
    const status = element("div", "course-status", root);
    status.setAttribute("role", "status");
    const main = element("div", "course-pg-main", root);
    const network = element("div", "course-pg-network", main);
    const edges = element("canvas", "course-pg-edges", network);
    edges.setAttribute("aria-hidden", "true");
    const columns = element("div", "course-pg-columns", network);
    const out = element("div", "course-pg-output", main);
    element("div", "course-pg-caption", out, t("board_caption"));
    const board = element("canvas", "course-pg-board", out);
    board.setAttribute("role", "img");
    element("div", "course-pg-caption", out, t("curves_caption"));
    const curves = element("canvas", "course-pg-curves", out);
    curves.setAttribute("role", "img");
    root.dataset.minFontPx = String(MIN_FONT_PX);

    let playing = false, inFlight = 0, request = 0, lastEpoch = -1;
    function ask(epochs) {
      inFlight++;
      model.send({ action: "advance", epochs, request: ++request });
    }
    function pump() {
      while (playing && inFlight < MAX_IN_FLIGHT) ask(1);
    }
    function setPlaying(on) {
      playing = on;
      play.textContent = t(on ? "pause" : "play");
      play.setAttribute("aria-pressed", String(on));
      status.setAttribute("aria-live", on ? "off" : "polite");
      pump();
    }
    play.addEventListener("click", () => setPlaying(!playing));
    step.addEventListener("click", () => { if (!playing) ask(1); });
    reset.addEventListener("click", () => { setPlaying(false); model.send({ action: "reset" }); });

    function syncControls() {
      const s = settings();
      dataset.value = s.dataset; points.value = String(s.n);
      activation.value = s.activation; init.value = s.init; seed.value = String(s.seed);
      lr.value = String(s.lr); l2.value = String(s.l2);
      for (const [input, v] of [[noise, s.noise], [ratio, s.test_ratio], [batch, s.batch_size]]) {
        input.value = String(v);
        input.dispatchEvent(new Event("input"));
      }
      for (const b of boxes) b.checked = s.features.includes(b.value);
      layerCount.textContent = t(s.hidden.length === 1 ? "layers_one" : "layers", { count: s.hidden.length });
      removeLayer.disabled = s.hidden.length === 0;
      addLayer.disabled = s.hidden.length >= opts.max_layers;
    }

    // --- network columns: inputs, hidden layers (with +/- neuron buttons), output
    let tiles = [];  // per column: the tile canvases
    function buildColumns() {
      const s = settings(), info = model.get("info");
      columns.replaceChildren();
      tiles = [];
      const sizes = info.sizes || [s.features.length, ...s.hidden, 1];
      sizes.forEach((width, c) => {
        const col = element("div", "course-pg-column", columns);
        const last = c === sizes.length - 1;
        const head = element("div", "course-pg-column-head", col);
        if (c === 0) element("span", "", head, t("inputs"));
        else if (last) element("span", "", head, t("output"));
        else {
          const minus = button(head, "−", t("remove_neuron", { layer: c }), "course-pg-remove-neuron");
          element("span", "", head, `${width}`);
          const plus = button(head, "+", t("add_neuron", { layer: c }), "course-pg-add-neuron");
          minus.disabled = width <= 1;
          plus.disabled = width >= opts.max_neurons;
          const edit = (d) => {
            const hidden = settings().hidden.slice();
            hidden[c - 1] = Math.max(1, Math.min(opts.max_neurons, hidden[c - 1] + d));
            change("hidden", hidden);
          };
          minus.addEventListener("click", () => edit(-1));
          plus.addEventListener("click", () => edit(+1));
        }
        const list = [];
        for (let i = 0; i < width; i++) {
          const tile = element("canvas", "course-pg-tile", col);
          const name = c === 0 ? (s.features[i] || "") : last ? t("output") : t("neuron", { layer: c, neuron: i + 1 });
          tile.setAttribute("role", "img");
          tile.setAttribute("aria-label", t("tile_name", { name }));
          tile.title = name;
          list.push(tile);
          if (c === 0) element("div", "course-pg-tile-name", col, name.replace("^2", "²").replace("*", "·"));
        }
        tiles.push(list);
      });
      root.dataset.neurons = String(sizes.slice(1, -1).reduce((a, b) => a + b, 0));
    }

    function drawInputs() {
      const values = floats(model.get("inputs"), Float32Array), g = model.get("map_size");
      (tiles[0] || []).forEach((tile, i) => paintMap(tile, values.subarray(i * g * g, (i + 1) * g * g), g, TILE));
    }

    function drawEdges(weights) {
      const box = network.getBoundingClientRect();
      const ctx = sizedContext(edges, box.width, box.height);
      const centre = (t, side) => {
        const r = t.getBoundingClientRect();
        return [(side > 0 ? r.right : r.left) - box.left, r.top + r.height / 2 - box.top];
      };
      weights.forEach((W, layer) => {
        const from = tiles[layer], to = tiles[layer + 1];
        if (!from || !to) return;
        W.forEach((row, j) => row.forEach((w, i) => {
          if (!from[i] || !to[j] || !Number.isFinite(w)) return;
          const [x0, y0] = centre(from[i], 1), [x1, y1] = centre(to[j], -1);
          ctx.strokeStyle = w >= 0 ? OKABE_ITO.blue : OKABE_ITO.orange;
          ctx.globalAlpha = Math.min(1, 0.25 + Math.abs(w) / 2);
          ctx.lineWidth = Math.min(6, 0.5 + 2 * Math.abs(w));
          ctx.beginPath(); ctx.moveTo(x0, y0);
          ctx.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1, y1);
          ctx.stroke();
        }));
      });
      ctx.globalAlpha = 1;
    }

    function boardSize() {
      return Math.max(200, Math.min(360, Math.floor(out.clientWidth || 360)));
    }

    function drawBoard(boundary, g) {
      const px = boardSize();
      const ctx = paintMap(board, boundary, g, px);
      const [x0, x1, y0, y1] = model.get("extent");
      const pts = floats(model.get("points"), Float32Array);
      for (let i = 0; i + 3 < pts.length; i += 4) {
        const x = ((pts[i] - x0) / (x1 - x0)) * px, y = ((y1 - pts[i + 1]) / (y1 - y0)) * px;
        ctx.fillStyle = pts[i + 2] > 0.5 ? OKABE_ITO.blue : OKABE_ITO.orange;
        ctx.strokeStyle = pts[i + 3] > 0.5 ? "#000" : "#fff";
        ctx.lineWidth = 1.2;
        ctx.beginPath();
        if (pts[i + 2] > 0.5) ctx.rect(x - 3.2, y - 3.2, 6.4, 6.4);  // class 1: squares
        else ctx.arc(x, y, 3.6, 0, 2 * Math.PI);                      // class 0: circles
        ctx.fill(); ctx.stroke();
      }
      ctx.fillStyle = "#222";
      ctx.font = font(MIN_FONT_PX);
      ctx.textBaseline = "bottom";
      ctx.fillText(`x1 ${formatNumber(x0)} … ${formatNumber(x1)}`, 4, px - 2);
    }

    function drawCurves(train, test) {
      const width = boardSize(), height = 150;
      const ctx = sizedContext(curves, width, height);
      const m = { l: 44, r: 8, t: 8, b: 24 }, w = width - m.l - m.r, h = height - m.t - m.b;
      let hi = 0;
      for (const v of [...train, ...test]) if (Number.isFinite(v) && v > hi) hi = v;
      hi = hi > 0 ? hi * 1.05 : 1;
      const n = Math.max(train.length - 1, 1);
      ctx.font = font(MIN_FONT_PX);
      ctx.fillStyle = "#222";
      ctx.strokeStyle = "#d0d0d0";
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      for (const t of linearTicks(0, hi, 3)) {
        const y = m.t + h - (t / hi) * h;
        ctx.beginPath(); ctx.moveTo(m.l, y); ctx.lineTo(m.l + w, y); ctx.stroke();
        ctx.fillText(formatNumber(t), m.l - 4, y);
      }
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(t("curves_epoch", { epoch: train.length - 1 }), m.l + w / 2, m.t + h + 6);
      for (const [series, colour, dash] of [[train, OKABE_ITO.blue, []], [test, OKABE_ITO.vermillion, [5, 4]]]) {
        ctx.strokeStyle = colour; ctx.lineWidth = 1.8; ctx.setLineDash(dash);
        ctx.beginPath();
        let pen = false;
        series.forEach((v, i) => {
          if (!Number.isFinite(v)) { pen = false; return; }
          const x = m.l + (i / n) * w, y = m.t + h - (Math.min(v, hi) / hi) * h;
          if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
          pen = true;
        });
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }

    let built = "";
    function draw() {
      const info = model.get("info");
      if (!info || info.epoch === undefined) return;
      const shape = JSON.stringify([info.sizes, settings().features, settings().hidden]);
      if (shape !== built) { buildColumns(); drawInputs(); built = shape; }
      const frame = floats(model.get("frame"), Float32Array);
      const g = model.get("board_size"), m = model.get("map_size");
      let at = 0;
      const boundary = frame.subarray(0, g * g); at += g * g;
      for (let c = 1; c < tiles.length - 1; c++) {
        for (const tile of tiles[c]) { paintMap(tile, frame.subarray(at, at + m * m), m, TILE); at += m * m; }
      }
      const losses = floats(model.get("curves")), epochs = losses.length / 2;
      const train = losses.subarray(0, epochs), test = losses.subarray(epochs);
      const outTile = tiles[tiles.length - 1];
      if (outTile) paintMap(outTile[0], boundary, g, TILE);
      drawBoard(boundary, g);
      drawCurves(train, test);
      drawEdges(info.weights || []);
      status.textContent = info.summary;
      board.setAttribute("aria-label", t("board_name", { epoch: info.epoch, summary: info.summary }));
      curves.setAttribute("aria-label", t("curves_name", { epoch: info.epoch }));
      root.dataset.epoch = String(info.epoch);
      stampFrame(el);
    }

    model.on("msg:custom", () => {});
    model.on("change:info", () => {
      const info = model.get("info");
      if (info.request) inFlight = Math.max(0, inFlight - 1);
      if (info.reset) { inFlight = 0; }
      if (info.epoch !== lastEpoch || info.reset) lastEpoch = info.epoch;
      if (info.diverged) setPlaying(false);
      schedule();
      pump();
    });
    model.on("change:settings", () => { syncControls(); });
    const schedule = frameScheduler(draw);
    syncControls();
    const stop = onWidthChange(main, () => { built = ""; schedule(); });
    schedule();
    if (!model.get("info") || model.get("info").epoch === undefined) {
      status.textContent = t("waiting");
    }
    return () => { playing = false; stop(); };
  },
};
