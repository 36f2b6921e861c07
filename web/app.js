// The page: the demo list, the editors, the output and the figures. Python runs in worker.js.
//
// Test contract: index.html?demo=NAME&quick=1&autorun=1 runs a demo at load; when a run ends,
// document.body.dataset.status is "done" or "error", and the output is the text of #output.
//
// A demo is a jupytext percent script. The page shows it as a notebook does: its markdown cells
// as text, its code cells as editors, without the jupytext header and without the fallback
// import for a checkout (Match is installed here). Run joins the code cells and runs them.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const SCRATCH = `import match

x = match.mat([[1.0, -2.0], [3.0, 0.5]])
w = match.mat([[0.5], [0.25]])
loss = ((x @ w).relu() ** 2).mean()
loss.backward()
print("loss", loss.item())
print("gradient of w", w.grad.vals)
`;

const state = {
  manifest: null,
  worker: null,
  ready: false,
  running: false,
  started: 0,
  current: null, // the demo in the editor
  sources: {}, // demo name -> source as shipped
  edits: {}, // demo name -> code cells as the student left them
  autorun: params.get("autorun") === "1",
};

function setStatus(status, text) {
  document.body.dataset.status = status;
  $("state").textContent = text;
  $("state").dataset.kind = status;
  $("run").disabled = $("run-scratch").disabled = !state.ready || state.running;
  $("stop").disabled = !state.running;
}

// ---------------------------------------------------------------------------------------------
// Output: streamed text; after a "\r" the next text replaces the current line, as on a terminal.

const output = {
  line: null, // the <span> of the line being written
  carriage: false,
  clear() {
    $("output").textContent = "";
    this.line = null;
    this.carriage = false;
  },
  write(text, stream) {
    const el = $("output");
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    for (const part of text.split(/(\r\n|\n|\r)/)) {
      if (part === "\r") {
        this.carriage = true;
      } else if (part === "\n" || part === "\r\n") {
        this.append("\n", stream);
        this.line = null;
        this.carriage = false;
      } else if (part) {
        if (this.carriage && this.line) this.line.textContent = "";
        this.carriage = false;
        this.append(part, stream);
      }
    }
    if (atBottom) el.scrollTop = el.scrollHeight;
  },
  append(text, stream) {
    if (!this.line || this.line.className !== stream) {
      this.line = document.createElement("span");
      this.line.className = stream;
      $("output").appendChild(this.line);
    }
    this.line.textContent += text;
  },
};

// ---------------------------------------------------------------------------------------------
// Figures: the data a demo passed to match.plotting.show, drawn with Plotly, one chart a panel.

const COLORS = { blues: "Blues", gray: "Greys" };
// Decision regions: pale blue where the model says class 0, pale orange for class 1, so that the
// points (class 0 blue, class 1 orange, the cycle's first two) stand out on both.
const REGIONS = [[0, "#c6dbef"], [0.5, "#ffffff"], [1, "#fdd0a2"]];
// Lines and points take these colours in turn, in each panel (matplotlib's first four).
const CYCLE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

function traces(series, index) {
  const labelled = Boolean(series.label);
  const color = CYCLE[index % CYCLE.length];
  switch (series.kind) {
    case "line":
      return [{ type: "scatter", mode: "lines", x: series.x, y: series.y, name: series.label,
        showlegend: labelled, line: { color, dash: series.dashed ? "dash" : "solid" } }];
    case "points":
      return [{ type: "scatter", mode: "markers", x: series.x, y: series.y, name: series.label,
        showlegend: labelled, marker: { color, size: 7, line: { width: 1, color: "#222" } } }];
    case "contour": {
      const grid = { type: "contour", x: series.x, y: series.y, z: series.z, showscale: false,
        showlegend: false };
      return [
        { ...grid, colorscale: REGIONS, zmin: 0, zmax: 1, ncontours: 20, line: { width: 0 },
          hoverinfo: "skip" },
        { ...grid, contours: { start: series.level, end: series.level, size: 1,
          coloring: "none" }, line: { color: "black", width: 2 }, hoverinfo: "skip" },
      ];
    }
    case "image": {
      const text = series.z.map((row) => row.map((v) => (series.numbers && v ? String(v) : "")));
      return [{ type: "heatmap", z: series.z, colorscale: COLORS[series.colors],
        reversescale: true, showscale: false, text, texttemplate: "%{text}" }];
    }
    default:
      throw new Error(`unknown kind of series: ${series.kind}`);
  }
}

// Tick labels for a log axis: 1, 2, 5 times the powers of ten in the data's range (every
// digit when the range is under a decade), each written in full: Plotly's own labels write 30
// and 3 both as "3", and give a range inside one decade a single label.
function logTicks(panel) {
  const ys = panel.series.flatMap((s) => (s.kind === "line" || s.kind === "points" ? s.y : []))
    .filter((v) => v > 0 && Number.isFinite(v));
  if (!ys.length) return {};
  const lo = Math.min(...ys), hi = Math.max(...ys);
  const ticks = (steps) => {
    const out = [];
    for (let k = Math.floor(Math.log10(lo)) - 1; k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of steps) {
        const v = m * 10 ** k;
        if (v >= lo / 1.05 && v <= hi * 1.05) out.push(Number(v.toPrecision(6)));
      }
    }
    return out;
  };
  let values = ticks([1, 2, 5]);
  if (values.length < 3) values = ticks([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (values.length < 2) values = [lo, hi].map((v) => Number(v.toPrecision(3)));
  const text = values.map((v) => (v >= 1e5 || v < 1e-3 ? v.toExponential(0) : String(v)));
  return { tickmode: "array", tickvals: values, ticktext: text };
}

function layout(panel, small) {
  const images = panel.series.some((s) => s.kind === "image");
  const axis = (label, range) => ({ title: { text: label }, range: range || undefined,
    visible: panel.axes, automargin: true, zeroline: false, ticks: "outside", ticklen: 4 });
  const yaxis = { ...axis(panel.ylabel, panel.ylim), type: panel.ylog ? "log" : "linear",
    ...(panel.ylog ? logTicks(panel) : {}) };
  const xaxis = axis(panel.xlabel, panel.xlim);
  if (images) {
    // Square cells, row 0 at the top, a tick on every row and column.
    Object.assign(yaxis, { autorange: "reversed", scaleanchor: "x", constrain: "domain",
      dtick: 1 });
    Object.assign(xaxis, { constrain: "domain", dtick: 1 });
  }
  return {
    title: { text: panel.title, font: { size: small ? 11 : 14 } },
    xaxis,
    yaxis,
    height: small ? 150 : 320,
    margin: small ? { l: 5, r: 5, t: 28, b: 5 } : { l: 50, r: 15, t: 40, b: 45 },
    showlegend: panel.series.some((s) => s.label),
    legend: { orientation: "h", y: -0.25 },
    paper_bgcolor: "white",
  };
}

function drawFigure(json) {
  // Python's json.dumps writes NaN and Infinity, which JSON.parse does not read.
  const figure = JSON.parse(json.replace(/\bNaN\b|-?\bInfinity\b/g, "null"));
  const box = document.createElement("div");
  box.className = "figure";
  box.dataset.name = figure.name;
  const panels = document.createElement("div");
  panels.className = "panels";
  panels.style.gridTemplateColumns = `repeat(${figure.columns}, minmax(0, 1fr))`;
  box.appendChild(panels);
  $("figures").appendChild(box);
  const small = figure.columns > 2;
  for (const panel of figure.panels) {
    const div = document.createElement("div");
    panels.appendChild(div);
    const drawn = panel.series.filter((s) => s.kind === "line" || s.kind === "points");
    const data = panel.series.flatMap((s) => traces(s, drawn.indexOf(s)));
    Plotly.newPlot(div, data, layout(panel, small),
      { displayModeBar: false, responsive: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Python in a worker: start it, run code in it, stop it (by starting a new one).

function startWorker() {
  state.ready = false;
  state.worker = new Worker("worker.js", { type: "module" });
  state.worker.onmessage = (event) => handlers[event.data.type](event.data);
  state.worker.onerror = (event) => handlers.failed({ error: event.message || "worker error" });
  setStatus("loading", "starting Python…");
}

const handlers = {
  ready() {
    state.ready = true;
    setStatus("ready", "ready");
    if (state.autorun) {
      state.autorun = false;
      runDemo();
    }
  },
  failed({ error }) {
    state.running = false;
    output.write(`Python could not start: ${error}\n`, "stderr");
    setStatus("error", "Python could not start");
  },
  out({ text, stream }) {
    output.write(text, stream);
  },
  figure({ json }) {
    try {
      drawFigure(json);
    } catch (error) {
      output.write(`(the figure could not be drawn: ${error})\n`, "stderr");
    }
  },
  done({ ok }) {
    state.running = false;
    const seconds = ((performance.now() - state.started) / 1000).toFixed(1);
    setStatus(ok ? "done" : "error", ok ? `finished in ${seconds} s` : "stopped by an error");
  },
};

// A demo starts afresh: its output and figures replace the last run's, in a new namespace. The
// scratch cell runs after it, in the demo's namespace, and adds to its output.
function run(code, filename, scratch = false) {
  if (!state.ready || state.running) return;
  const quick = $("quick").checked;
  if (scratch) {
    output.write(`\n── ${filename} ──\n`, "note");
  } else {
    output.clear();
    $("figures").textContent = "";
    if (quick) {
      output.write("(quick mode: less data and fewer epochs, so the results are poor by design;"
        + " untick quick for the real run)\n", "note");
    }
  }
  state.running = true;
  state.started = performance.now();
  setStatus("running", `running ${filename}…`);
  state.worker.postMessage({ code, filename, quick, scratch });
}

function stop() {
  if (!state.running) return;
  state.worker.terminate();
  state.running = false;
  output.write("\n(stopped)\n", "stderr");
  startWorker();
}

// ---------------------------------------------------------------------------------------------
// Demos and editors.

function makeEditor(element, onRun, options = {}) {
  const editor = ace.edit(element, { mode: "ace/mode/python", theme: "ace/theme/textmate",
    tabSize: 4, useSoftTabs: true, showPrintMargin: false, ...options });
  editor.commands.addCommand({ name: "run", bindKey: { win: "Ctrl-Enter", mac: "Cmd-Enter" },
    exec: onRun });
  return editor;
}

// ---------------------------------------------------------------------------------------------
// A percent script as cells: [{kind: "markdown" | "code", text}].

function parseCells(source) {
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let i = 0;
  if (lines[0] === "# ---") { // jupytext's header: the notebook's metadata, not for reading
    i = lines.indexOf("# ---", 1) + 1;
  }
  const cells = [];
  let cell = null;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("# %%")) {
      cell = { kind: line.includes("[markdown]") ? "markdown" : "code", lines: [] };
      cells.push(cell);
    } else if (cell) {
      cell.lines.push(cell.kind === "markdown" ? line.replace(/^# ?/, "") : line);
    }
  }
  return cells.map((c) => ({ kind: c.kind, text: c.lines.join("\n").trim() + "\n" }))
    .map((c) => (c.kind === "code" ? { ...c, text: withoutFallbackImport(c.text) } : c))
    .filter((c) => c.text.trim());
}

// The demos' `try: import match / except ModuleNotFoundError: ...` finds the checkout's copy
// when Match is not installed; here it is, so the cell shows the plain import.
function withoutFallbackImport(code) {
  return code.replace(/^try:\n    import match\nexcept ModuleNotFoundError:.*\n(?:(?: {4}.*)?\n)*? {4}import match\n/m,
    "import match\n");
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function inline(text) {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label, href) =>
      (/^(https?:|#|[\w./-]+$)/.test(href) ? `<a href="${href}">${label}</a>` : m));
}

// The markdown the demos use: headings, paragraphs, bullet and numbered lists, inline code,
// bold, italics and links.
function markdownToHtml(text) {
  const html = [];
  let list = null;
  let para = [];
  const flush = () => {
    if (para.length) html.push(`<p>${inline(para.join(" "))}</p>`);
    para = [];
  };
  const closeList = () => {
    if (list) html.push(`</${list}>`);
    list = null;
  };
  for (const line of text.split("\n")) {
    const heading = line.match(/^(#{1,4}) (.*)$/);
    const item = line.match(/^\s*(?:([*-])|\d+\.) (.*)$/);
    if (heading) {
      flush(); closeList();
      const level = Math.min(heading[1].length + 1, 5);
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (item) {
      flush();
      const kind = item[1] ? "ul" : "ol";
      if (list !== kind) { closeList(); html.push(`<${kind}>`); list = kind; }
      html.push(`<li>${inline(item[2])}</li>`);
    } else if (!line.trim()) {
      flush(); closeList();
    } else if (list && /^\s+/.test(line)) {
      html[html.length - 1] = html[html.length - 1].replace(/<\/li>$/, ` ${inline(line.trim())}</li>`);
    } else {
      closeList();
      para.push(line.trim());
    }
  }
  flush(); closeList();
  return html.join("\n");
}

const editors = { cells: [] };

function showCells(texts) {
  const box = $("cells");
  box.textContent = "";
  editors.cells = [];
  for (const cell of texts) {
    const div = document.createElement("div");
    div.className = cell.kind === "markdown" ? "cell markdown" : "cell code";
    box.appendChild(div);
    if (cell.kind === "markdown") {
      div.innerHTML = markdownToHtml(cell.text);
    } else {
      const editor = makeEditor(div, runDemo, { minLines: 1, maxLines: Infinity });
      editor.setValue(cell.text.replace(/\n$/, ""), -1);
      editors.cells.push(editor);
    }
  }
}

function currentCells() {
  let k = 0;
  return state.cells.map((c) => (c.kind === "code"
    ? { kind: "code", text: editors.cells[k++].getValue() + "\n" } : c));
}

async function select(name) {
  if (state.current) state.edits[state.current] = currentCells();
  const demo = state.manifest.demos.find((d) => d.name === name);
  if (!(name in state.sources)) {
    state.sources[name] = parseCells(await (await fetch(demo.file)).text());
  }
  state.current = name;
  state.cells = state.edits[name] ?? state.sources[name];
  showCells(state.cells);
  $("title").textContent = `${name}.py`;
  $("demo-source").href = demo.file;
  $("demo-source").textContent = `${name}.py as a file`;
  for (const button of document.querySelectorAll("#demos button")) {
    button.setAttribute("aria-current", String(button.dataset.name === name));
  }
  const url = new URL(location.href);
  url.searchParams.set("demo", name);
  url.searchParams.delete("autorun");
  history.replaceState(null, "", url);
}

function demoCode() {
  return currentCells().filter((c) => c.kind === "code").map((c) => c.text).join("\n\n");
}

function runDemo() {
  run(demoCode(), `${state.current}.py`);
}

function runScratch() {
  run(editors.scratch.getValue(), "scratch.py", true);
}

async function main() {
  ace.config.set("basePath", "vendor/ace");
  editors.scratch = makeEditor("scratch", runScratch);
  editors.scratch.setValue(SCRATCH, -1);
  editors.source = { getValue: demoCode }; // the demo's code, all cells (for tests and tools)
  window.matchSite = { editors, runDemo, runScratch, stop };

  state.manifest = await (await fetch("site.json")).json();
  for (const demo of state.manifest.demos) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.dataset.name = demo.name;
    button.innerHTML = '<span class="name"></span><span class="summary"></span>';
    button.querySelector(".name").textContent = demo.name;
    button.querySelector(".summary").textContent = demo.summary;
    button.onclick = () => select(demo.name);
    item.appendChild(button);
    $("demos").appendChild(item);
  }
  $("run").onclick = runDemo;
  $("run-scratch").onclick = runScratch;
  $("stop").onclick = stop;
  $("reset").onclick = () => {
    state.cells = state.sources[state.current];
    delete state.edits[state.current];
    showCells(state.cells);
  };
  $("quick").checked = params.get("quick") === "1";
  const showQuickNote = () => { $("quick-note").hidden = !$("quick").checked; };
  $("quick").onchange = showQuickNote;
  showQuickNote();

  const names = state.manifest.demos.map((d) => d.name);
  const wanted = params.get("demo");
  const name = [wanted, `demo_${wanted}`].find((n) => names.includes(n)) || names[0];
  await select(name);
  startWorker();
}

main().catch((error) => {
  output.write(`The page could not start: ${error}\n`, "stderr");
  setStatus("error", "the page could not start");
});
