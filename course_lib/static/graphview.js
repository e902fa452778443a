// The backward-pass stepper, drawn as SVG with its own Play button and slider: the kernel sends
// the graph once (nodes with their column and row, parents, texts) and the order of the backward
// pass; `step` says how many nodes are done. Stepping happens here, so it never waits for the
// kernel. Left to right when the notebook is wide enough, top to bottom when not. Every word
// shown comes from the kernel's `labels` (see say() in common.js).

const SVG = "http://www.w3.org/2000/svg";
const BOX = { w: 92, h: 54 }, OP = { w: 32, h: 20 }, GAP = { x: 28, y: 12 }, TEXT_PX = 12;
const FILLS = { leaf: "#DCEFFA", node: "#FFFFFF", root: "#FBE9C2", hot: "#F9F3A8" };

function svg(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** Box centres for every node, flowing along x (`across` false) or along y (`across` true). */
function layout(nodes, across) {
  const cols = nodes.map((n) => n.col), rows = nodes.map((n) => n.row);
  const c0 = Math.min(...cols), r0 = Math.min(...rows);
  const along = BOX.w + OP.w + GAP.x, side = BOX.h + GAP.y;
  const alongDown = BOX.h + OP.h + GAP.y * 2, sideAcross = BOX.w + 6;
  const centres = nodes.map((n) => across
    ? [(n.row - r0) * sideAcross + BOX.w / 2 + 4, (n.col - c0) * alongDown + BOX.h / 2 + OP.h + 16]
    : [(n.col - c0) * along + BOX.w / 2 + OP.w + 16, (n.row - r0) * side + BOX.h / 2 + 4]);
  const width = Math.max(...centres.map(([x]) => x)) + BOX.w / 2 + 4;
  const height = Math.max(...centres.map(([, y]) => y)) + BOX.h / 2 + 4;
  return { centres, width, height, across };
}

export default {
  render({ model, el }) {
    const labels = model.get("labels");
    const root = element("div", "course-graph", el);
    // JupyterLab's notebook shortcuts would take the arrow keys from the slider
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    root.addEventListener("keydown", keyboardControls);
    const bar = element("div", "course-graph-controls", root);
    const play = element("button", "course-graph-play", bar, say(labels, "play"));
    play.type = "button";
    play.setAttribute("aria-pressed", "false");  // a toggle: its name stays, its state changes
    play.setAttribute("aria-label", say(labels, "play_name"));
    const label = element("label", "course-graph-step", bar);
    element("span", "", label, say(labels, "step"));
    const slider = document.createElement("input");
    Object.assign(slider, { type: "range", min: 0, max: model.get("order").length, step: 1 });
    label.appendChild(slider);
    const readout = element("output", "course-graph-readout", bar);
    let timer = null;
    function go(k) {
      model.set("step", k);
      model.save_changes();  // the kernel follows (its chain_text); it never sends a step back
    }
    function stopPlaying() {
      clearInterval(timer);
      timer = null;
      play.textContent = say(labels, "play");
      play.setAttribute("aria-pressed", "false");
    }
    play.addEventListener("click", () => {
      if (timer) return stopPlaying();
      if (model.get("step") >= model.get("order").length) go(0);
      play.textContent = say(labels, "pause");
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => {
        const k = model.get("step") + 1;
        if (k > model.get("order").length) stopPlaying(); else go(k);
      }, model.get("interval_ms"));
    });
    slider.addEventListener("input", () => go(Number(slider.value)));
    const line = element("div", "course-chain", root);
    line.setAttribute("role", "status");
    const frame = element("div", "course-graph-frame", root);
    root.dataset.minFontPx = String(TEXT_PX - 1);  // the op symbols
    let boxes = [], texts = [], shape = null, width = 0;

    function build() {
      const nodes = model.get("nodes");
      frame.replaceChildren();
      if (!nodes.length || width <= 0) return;
      const wide = layout(nodes, false);
      shape = wide.width <= width ? wide : layout(nodes, true);
      root.dataset.layout = shape.across ? "top-to-bottom" : "left-to-right";
      const picture = svg("svg", {
        width: shape.width, height: shape.height, viewBox: `0 0 ${shape.width} ${shape.height}`,
        role: "img", "aria-label": say(labels, "graph_name"),
      }, frame);
      svg("defs", {}, picture).innerHTML =
        '<marker id="course-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" ' +
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#777"/></marker>';
      const edges = svg("g", { class: "course-graph-edges" }, picture);
      const ops = svg("g", {}, picture);
      const layer = svg("g", {}, picture);
      boxes = []; texts = [];
      nodes.forEach((n, i) => {
        const [cx, cy] = shape.centres[i];
        // the op sits just before its result: left of it, or above it
        const [ox, oy] = shape.across ? [cx, cy - BOX.h / 2 - OP.h / 2 - 8] : [cx - BOX.w / 2 - OP.w / 2 - 8, cy];
        if (n.parents.length) {
          svg("rect", { x: ox - OP.w / 2, y: oy - OP.h / 2, width: OP.w, height: OP.h, rx: 9,
                        fill: "#EEEEEE", stroke: "#777" }, ops);
          const t = svg("text", { x: ox, y: oy + 4.5, "text-anchor": "middle", "font-size": TEXT_PX - 1 }, ops);
          t.textContent = n.op;
          const [ax, ay] = shape.across ? [ox, oy + OP.h / 2] : [ox + OP.w / 2, oy];
          svg("line", { x1: ax, y1: ay, x2: shape.across ? cx : cx - BOX.w / 2, y2: shape.across ? cy - BOX.h / 2 : cy,
                        stroke: "#777", "marker-end": "url(#course-arrow)" }, edges);
          for (const p of n.parents) {
            const [px, py] = shape.centres[p];
            const [sx, sy] = shape.across ? [px, py + BOX.h / 2] : [px + BOX.w / 2, py];
            const [tx, ty] = shape.across ? [ox, oy - OP.h / 2] : [ox - OP.w / 2, oy];
            const mid = shape.across ? `C${sx},${(sy + ty) / 2} ${tx},${(sy + ty) / 2}` : `C${(sx + tx) / 2},${sy} ${(sx + tx) / 2},${ty}`;
            svg("path", { d: `M${sx},${sy} ${mid} ${tx},${ty}`, fill: "none", stroke: "#999",
                          "marker-end": "url(#course-arrow)" }, edges);
          }
        }
        const box = svg("rect", { x: cx - BOX.w / 2, y: cy - BOX.h / 2, width: BOX.w, height: BOX.h, rx: 6,
                                  fill: FILLS[n.kind], stroke: "#555", "stroke-width": 1 }, layer);
        const text = svg("text", { x: cx, y: cy - 9, "text-anchor": "middle", "font-size": TEXT_PX }, layer);
        const lines = [n.label, say(labels, "data", { value: n.data }), say(labels, "grad_unknown")].map((s, k) => {
          const span = svg("tspan", { x: cx, dy: k === 0 ? 0 : 15, "font-weight": k === 0 ? 600 : 400 }, text);
          span.textContent = s;
          return span;
        });
        boxes.push(box);
        texts.push(lines[2]);
      });
      show();
    }

    function show() {
      const nodes = model.get("nodes"), order = model.get("order"), lines = model.get("lines");
      const k = Math.max(0, Math.min(model.get("step"), order.length));
      line.textContent = lines[k] || "";
      slider.value = String(k);
      readout.textContent = say(labels, "readout", { step: k, steps: order.length });
      if (!boxes.length) return;
      const known = new Set(order.slice(0, k)), hot = k ? order[k - 1] : -1;
      nodes.forEach((n, i) => {
        texts[i].textContent = known.has(i) ? say(labels, "grad", { value: n.grad }) : say(labels, "grad_unknown");
        boxes[i].setAttribute("fill", i === hot ? FILLS.hot : FILLS[n.kind]);
        boxes[i].setAttribute("stroke", i === hot ? OKABE_ITO.vermillion : "#555");
        boxes[i].setAttribute("stroke-width", i === hot ? 3 : 1);
      });
      root.dataset.step = String(k);
      root.dataset.known = String(known.size);
      stampFrame(el);
    }

    model.on("change:step", show);
    model.on("change:nodes", build);
    const stop = onWidthChange(frame, (w) => { width = w; build(); });
    width = Math.floor(frame.clientWidth);
    build();
    show();
    return () => { stopPlaying(); stop(); };
  },
};
