// backprop.html: trace a program's backward in Python (worker.js, Match in Pyodide), draw the
// graph as SVG, and step through the trace: Step, Back, Play, Reset.
//
// Test contract: backprop.html?code=<URL-encoded code>&autoplay=1 traces the code at load, plays
// every step, then sets document.body.dataset.status to "done" (or "error" when the code fails)
// and window.matchTrace to the trace ({nodes, steps}, as match.tools.BackwardTrace.to_json).
// backprop.html?example=NAME opens one of the examples (match/tools/backprop.py's EXAMPLES).

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// SVG's namespace, as the HTML parser gives it (the page names no outside address at all).
const SVG = (() => {
  const probe = document.createElement("div");
  probe.innerHTML = "<svg></svg>";
  return probe.firstChild.namespaceURI;
})();

const state = {
  worker: null,
  ready: false,
  tracing: false,
  trace: null, // {nodes, steps}
  k: 0, // steps done: 0 is before backward, trace.steps.length after it
  timer: null,
  autoplay: params.get("autoplay") === "1",
  examples: {},
};

function setStatus(status, text) {
  document.body.dataset.status = status;
  $("state").textContent = text;
  $("state").dataset.kind = status;
  const n = state.trace ? state.trace.steps.length : 0;
  $("trace").disabled = !state.ready || state.tracing;
  $("step").disabled = !state.trace || state.k >= n;
  $("back").disabled = !state.trace || state.k === 0;
  $("reset").disabled = !state.trace || state.k === 0;
  $("play").disabled = !state.trace || (state.k >= n && !state.timer);
  $("play").textContent = state.timer ? "Pause" : "Play";
}

function write(text, stream) {
  const span = document.createElement("span");
  span.className = stream;
  span.textContent = text;
  $("output").appendChild(span);
  $("output").hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Numbers and matrices

function number(x) {
  if (typeof x === "string") return x; // "nan", "inf", "-inf" (strict JSON)
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}

function shapeOf(rows) {
  return [rows.length, rows.length ? rows[0].length : 0];
}

// A small matrix as text, for inside the graph's boxes: "[1, 2]" or "[[1, 2], [3, 4]]"; a larger
// one as "…" (the panel below the graph shows it in full).
function shortText(rows, limit = 4) {
  const [r, c] = shapeOf(rows);
  if (r * c > limit) {
    const first = rows.flat().slice(0, 2).map((x) => (typeof x === "string" ? x
      : String(Number(x.toPrecision(2)))));
    return `[${first.join(", ")}, …]`;
  }
  const row = (values) => `[${values.map(number).join(", ")}]`;
  return r === 1 ? row(rows[0]) : `[${rows.map(row).join(", ")}]`;
}

// A matrix as an HTML table (at most 6 rows and columns shown).
function matrixTable(rows, className = "") {
  const table = document.createElement("table");
  table.className = `matrix ${className}`;
  const max = 6;
  for (const row of rows.slice(0, max)) {
    const tr = table.insertRow();
    for (const x of row.slice(0, max)) tr.insertCell().textContent = number(x);
    if (row.length > max) tr.insertCell().textContent = "…";
  }
  if (rows.length > max) table.insertRow().insertCell().textContent = "⋮";
  return table;
}

// ---------------------------------------------------------------------------------------------
// The graph: columns by depth (leaves left, the loss right), drawn once; each step restyles it.

const BOX = { w: 138, h: 58, dx: 172, dy: 76, pad: 12 };

// A node's name in the graph: "h = relu", "relu", "w" (a named leaf: its colour says parameter
// or constant), "constant".
function label(node) {
  const kind = node.op || (node.requires_grad ? "parameter" : "constant");
  if (!node.name) return kind;
  return node.op ? `${node.name} = ${kind}` : node.name;
}

function layout(nodes) {
  const depth = new Map();
  for (const node of nodes) { // ids follow the forward pass: inputs come first
    depth.set(node.id, node.inputs.length ? 1 + Math.max(...node.inputs.map((i) => depth.get(i))) : 0);
  }
  // A leaf sits in the column just before its first user, beside the op it feeds.
  const leafDepth = new Map();
  for (const node of nodes) {
    for (const i of node.inputs) {
      if (!nodes[i].inputs.length && !leafDepth.has(i)) leafDepth.set(i, depth.get(node.id) - 1);
    }
  }
  for (const [i, d] of leafDepth) depth.set(i, d);
  const columns = [];
  for (const node of nodes) (columns[depth.get(node.id)] ||= []).push(node.id);
  // Order each column by where its nodes' inputs (or, for leaves, users) sit: fewer crossings.
  const y = new Map();
  const users = new Map(nodes.map((n) => [n.id, []]));
  for (const node of nodes) for (const i of node.inputs) users.get(i).push(node.id);
  const mean = (ids) => (ids.length ? ids.reduce((s, i) => s + (y.get(i) ?? 0), 0) / ids.length : 0);
  for (let pass = 0; pass < 2; pass++) {
    columns.forEach((column, c) => {
      if (!column) return;
      if (pass > 0 || c > 0) {
        column.sort((a, b) => {
          const key = (id) => (nodes[id].inputs.length && pass === 0 ? mean(nodes[id].inputs)
            : mean(users.get(id).length ? users.get(id) : nodes[id].inputs));
          return key(a) - key(b) || a - b;
        });
      }
      column.forEach((id, r) => y.set(id, r));
    });
  }
  const rows = Math.max(...columns.filter(Boolean).map((c) => c.length));
  const position = new Map();
  columns.forEach((column, c) => {
    if (!column) return;
    const offset = (rows - column.length) / 2;
    column.forEach((id, r) => position.set(id, {
      x: BOX.pad + c * BOX.dx, y: BOX.pad + (r + offset) * BOX.dy,
    }));
  });
  return { position, width: BOX.pad * 2 + (columns.length - 1) * BOX.dx + BOX.w,
    height: BOX.pad * 2 + (rows - 1) * BOX.dy + BOX.h };
}

function svg(tag, attributes, parent) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}

const drawn = { boxes: new Map(), edges: [], grads: new Map() };

function drawGraph(trace) {
  const { position, width, height } = layout(trace.nodes);
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  const defs = svg("defs", {}, root);
  // Arrows: grey ones point forward (input -> result); while a closure runs, red ones point back
  // along the edges its gradient flows through.
  for (const [id, color] of [["arrow", "#9ca3af"], ["arrow-back", "#dc2626"]]) {
    const marker = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse",
      orient: "auto" }, defs);
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }, marker);
  }
  drawn.boxes.clear();
  drawn.grads.clear();
  drawn.edges = [];
  const loss = trace.nodes[trace.nodes.length - 1].id;
  for (const node of trace.nodes) {
    const to = position.get(node.id);
    node.inputs.forEach((i, slot) => {
      const from = position.get(i);
      const y2 = to.y + (BOX.h * (slot + 1)) / (node.inputs.length + 1);
      const x1 = from.x + BOX.w, y1 = from.y + BOX.h / 2, x2 = to.x;
      const bend = Math.max(30, (x2 - x1) / 2);
      const forward = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
      const back = `M ${x2} ${y2} C ${x2 - bend} ${y2}, ${x1 + bend} ${y1}, ${x1} ${y1}`;
      const path = svg("path", { class: "edge", "marker-end": "url(#arrow)", d: forward }, root);
      drawn.edges.push({ from: i, to: node.id, path, forward, back });
    });
  }
  for (const node of trace.nodes) {
    const { x, y } = position.get(node.id);
    const kind = node.inputs.length ? "op" : node.requires_grad ? "param" : "const";
    const group = svg("g", { class: `node ${kind}${node.id === loss ? " loss" : ""}`,
      transform: `translate(${x} ${y})`, "data-id": node.id }, root);
    svg("rect", { width: BOX.w, height: BOX.h, rx: 6 }, group);
    const title = svg("text", { x: 6, y: 15, class: "title" }, group);
    title.textContent = `${label(node)}  #${node.id}`;
    const value = svg("text", { x: 6, y: 32, class: "value" }, group);
    value.textContent = `${node.shape[0]}×${node.shape[1]}  ${shortText(node.value, 3)}`;
    const grad = svg("text", { x: 6, y: 49, class: "grad" }, group);
    drawn.grads.set(node.id, grad);
    const tip = svg("title", {}, group);
    tip.textContent = `${label(node)} #${node.id} (${node.shape.join(", ")})\nvalue ${shortText(node.value, 36)}`;
    group.addEventListener("click", () => showNode(node.id));
    drawn.boxes.set(node.id, group);
  }
  $("graph").textContent = "";
  $("graph").appendChild(root);
}

// Each node's gradient after the first k steps: a step's node has its full gradient when its
// closure runs; an input has the "after" of its latest update.
function gradientsAfter(k) {
  const grads = new Map();
  state.trace.steps.slice(0, k).forEach((step) => {
    grads.set(step.node, step.grad);
    for (const update of step.updates) grads.set(update.input, update.after);
  });
  return grads;
}

function render() {
  const { steps } = state.trace;
  const k = state.k;
  const grads = gradientsAfter(k);
  const current = k > 0 ? steps[k - 1] : null;
  const done = new Set(steps.slice(0, Math.max(0, k - 1)).map((s) => s.node));
  const updated = new Set(current ? current.updates.map((u) => u.input) : []);
  for (const [id, group] of drawn.boxes) {
    group.classList.toggle("current", Boolean(current) && current.node === id);
    group.classList.toggle("updated", updated.has(id));
    group.classList.toggle("done", done.has(id));
    const grad = grads.get(id);
    drawn.grads.get(id).textContent = grad ? `∇ ${shortText(grad, 3)}` : "";
  }
  for (const edge of drawn.edges) {
    const flowing = Boolean(current) && current.node === edge.to && updated.has(edge.from);
    edge.path.classList.toggle("flowing", flowing);
    edge.path.setAttribute("d", flowing ? edge.back : edge.forward);
    edge.path.setAttribute("marker-end", flowing ? "url(#arrow-back)" : "url(#arrow)");
  }
  if (current) {
    drawn.boxes.get(current.node).scrollIntoView({ block: "nearest", inline: "center" });
    showStep(k - 1);
  } else {
    showStart();
  }
  const n = steps.length;
  if (k === n && n > 0) setStatus("done", `step ${k} of ${n}: backward is done`);
  else setStatus("traced", k ? `step ${k} of ${n}` : `${n} steps; press Step`);
}

// ---------------------------------------------------------------------------------------------
// The panel under the graph: what the current step does.

function nodeName(id) {
  const node = state.trace.nodes[id];
  return `${label(node)} #${id} (${node.shape.join("×")})`;
}

function heading(text, level = "h3") {
  const h = document.createElement(level);
  h.textContent = text;
  return h;
}

function paragraph(html) {
  const p = document.createElement("p");
  p.innerHTML = html;
  return p;
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function showStart() {
  const box = $("detail");
  box.textContent = "";
  const { nodes, steps } = state.trace;
  box.appendChild(heading("Before backward"));
  box.appendChild(paragraph(`The forward pass built ${nodes.length} nodes. Backward will run `
    + `${steps.length} closures, from the loss back to the leaves, each once. Press `
    + "<b>Step</b> to run the first: the loss's gradient is seeded with ones "
    + "(d loss / d loss = 1)."));
}

function showStep(index) {
  const step = state.trace.steps[index];
  const box = $("detail");
  box.textContent = "";
  box.appendChild(heading(`Step ${index + 1} of ${state.trace.steps.length}: `
    + `${nodeName(step.node)} runs its backward closure`));
  const grid = document.createElement("div");
  grid.className = "step-grid";
  box.appendChild(grid);

  const left = document.createElement("div");
  grid.appendChild(left);
  left.appendChild(paragraph(index === 0
    ? "Gradient arriving, <code>g</code> (the seed: d loss / d loss = 1)"
    : "Gradient arriving, <code>g</code> = d loss / d(this node), complete now that every node "
      + "that used it has run"));
  left.appendChild(matrixTable(step.grad, "arriving"));
  left.appendChild(paragraph("Its closure, from <code>match/matrix.py</code>: the comment is "
    + "the derivative, each <code>_accumulate</code> one input's share"));
  const pre = document.createElement("pre");
  pre.className = "source";
  pre.innerHTML = step.source.replace(/\n$/, "").split("\n").map((line) => {
    const text = escapeHtml(line);
    if (/^\s*#/.test(line)) return `<span class="comment">${text}</span>`;
    if (line.includes("_accumulate")) return `<span class="accumulate">${text}</span>`;
    return text;
  }).join("\n");
  left.appendChild(pre);

  const right = document.createElement("div");
  grid.appendChild(right);
  if (!step.updates.length) {
    right.appendChild(paragraph("No input of this node needs a gradient: nothing is sent."));
  }
  const seen = new Map();
  for (const update of step.updates) {
    const target = state.trace.nodes[update.input];
    const div = document.createElement("div");
    div.className = "update";
    div.dataset.input = update.input;
    const count = (seen.get(update.input) || 0) + 1;
    seen.set(update.input, count);
    div.appendChild(heading(`→ ${nodeName(update.input)}`, "h4"));
    const row = document.createElement("div");
    row.className = "equation";
    const part = (caption, content) => {
      const cell = document.createElement("div");
      cell.appendChild(paragraph(caption));
      cell.appendChild(typeof content === "string" ? paragraph(content) : content);
      row.appendChild(cell);
    };
    part("grad before", update.before ? matrixTable(update.before) : "<i>none yet</i>");
    row.appendChild(paragraph("+"));
    const [sr, sc] = shapeOf(update.sent);
    const broadcast = sr !== target.shape[0] || sc !== target.shape[1];
    part(broadcast ? `sent (${sr}×${sc})` : "sent", matrixTable(update.sent));
    row.appendChild(paragraph("="));
    part("grad after", matrixTable(update.after, "after"));
    div.appendChild(row);
    const notes = [];
    if (broadcast) {
      const over = sr !== target.shape[0] && sc !== target.shape[1] ? "its rows and columns"
        : sr !== target.shape[0] ? "its rows" : "its columns";
      notes.push(`<b>Broadcast:</b> this input was stretched to ${sr}×${sc} in the forward pass, `
        + `so <code>_accumulate</code> sums the gradient over ${over}, back to its shape `
        + `${target.shape.join("×")}.`);
    }
    if (update.before) {
      notes.push(`<b>Gradients add up:</b> this input is used more than once, so this share is `
        + "added to what it already had" + (count > 1 ? " (a second share from this same closure)."
          : "."));
    }
    if (!target.inputs.length) {
      notes.push("A leaf: this is (part of) its <code>.grad</code> after <code>backward()</code>.");
    }
    for (const note of notes) div.appendChild(paragraph(note)).className = "note";
    right.appendChild(div);
  }
}

function showNode(id) {
  const node = state.trace.nodes[id];
  const box = $("detail");
  box.textContent = "";
  box.appendChild(heading(nodeName(id)));
  box.appendChild(paragraph(node.inputs.length
    ? `made by <code>${node.op}</code> from ${node.inputs.map(nodeName).join(", ")}`
    : node.requires_grad ? "a leaf that requires grad (a parameter)" : "a constant leaf"));
  box.appendChild(paragraph("value"));
  box.appendChild(matrixTable(node.value));
  const grad = gradientsAfter(state.k).get(id);
  box.appendChild(paragraph(grad ? "gradient so far" : "no gradient yet"));
  if (grad) box.appendChild(matrixTable(grad));
}

// ---------------------------------------------------------------------------------------------
// Controls

function go(k) {
  if (!state.trace) return;
  state.k = Math.max(0, Math.min(k, state.trace.steps.length));
  render();
}

function pause() {
  clearInterval(state.timer);
  state.timer = null;
}

function play(interval = 900) {
  if (state.timer) {
    pause();
    render();
    return;
  }
  if (state.k >= state.trace.steps.length) state.k = 0;
  const tick = () => {
    if (state.k >= state.trace.steps.length) {
      pause();
      render();
      return;
    }
    go(state.k + 1);
  };
  state.timer = setInterval(tick, interval);
  tick();
}

// ---------------------------------------------------------------------------------------------
// Python in the site's worker

function startWorker() {
  state.ready = false;
  state.worker = new Worker("worker.js", { type: "module" });
  state.worker.onmessage = (event) => (handlers[event.data.type] || (() => {}))(event.data);
  state.worker.onerror = (event) => handlers.failed({ error: event.message || "worker error" });
  setStatus("loading", "starting Python…");
}

const handlers = {
  ready() {
    state.ready = true;
    setStatus("ready", "ready");
    traceProgram(); // the program in the editor, so that the graph is there to step through
  },
  failed({ error }) {
    write(`Python could not start: ${error}\n`, "stderr");
    setStatus("error", "Python could not start");
  },
  out({ text, stream }) {
    write(text, stream);
  },
  traced({ json }) {
    state.tracing = false;
    if (!json) {
      state.trace = null;
      window.matchTrace = null;
      $("graph").textContent = "";
      $("detail").textContent = "";
      setStatus("error", "the program failed (see the output above)");
      return;
    }
    state.trace = JSON.parse(json);
    window.matchTrace = state.trace;
    drawGraph(state.trace);
    go(0);
    if (state.autoplay) {
      state.autoplay = false;
      play(60);
    }
  },
};

function traceProgram() {
  if (!state.ready || state.tracing) return;
  pause();
  $("output").textContent = "";
  $("output").hidden = true;
  state.tracing = true;
  state.trace = null;
  state.k = 0;
  setStatus("tracing", "running the program and its backward…");
  state.worker.postMessage({ type: "trace", code: editor.getValue() });
}

let editor = null;

async function main() {
  ace.config.set("basePath", "vendor/ace");
  editor = ace.edit("editor", { mode: "ace/mode/python", theme: "ace/theme/textmate",
    tabSize: 4, useSoftTabs: true, showPrintMargin: false, minLines: 6, maxLines: 18 });
  editor.commands.addCommand({ name: "trace", bindKey: { win: "Ctrl-Enter", mac: "Cmd-Enter" },
    exec: traceProgram });
  window.matchBackprop = { editor, go, play, traceProgram };

  const manifest = await (await fetch("site.json")).json();
  state.examples = manifest.backprop_examples || {};
  for (const name of Object.keys(state.examples)) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    $("examples").appendChild(option);
  }
  const custom = document.createElement("option");
  custom.value = "";
  custom.textContent = "(your own)";
  $("examples").appendChild(custom);
  $("examples").onchange = () => {
    const name = $("examples").value;
    if (name) {
      editor.setValue(state.examples[name], -1);
      traceProgram();
    }
  };
  editor.on("input", () => {
    const name = $("examples").value;
    if (name && editor.getValue() !== state.examples[name]) $("examples").value = "";
  });
  const names = Object.keys(state.examples);
  const wanted = params.get("example");
  if (params.has("code")) {
    editor.setValue(params.get("code"), -1);
    $("examples").value = "";
  } else {
    const name = names.includes(wanted) ? wanted : names[0];
    $("examples").value = name;
    editor.setValue(state.examples[name] || "", -1);
  }
  $("trace").onclick = traceProgram;
  $("step").onclick = () => { pause(); go(state.k + 1); };
  $("back").onclick = () => { pause(); go(state.k - 1); };
  $("reset").onclick = () => { pause(); go(0); };
  $("play").onclick = () => play();
  startWorker();
}

main().catch((error) => {
  write(`The page could not start: ${error}\n`, "stderr");
  setStatus("error", "the page could not start");
});
