// The page: the demo list, the editors, the output and the figures. Python runs in worker.js.
//
// Test contract: index.html?demo=NAME&quick=1&autorun=1 runs a demo at load; when a run ends,
// document.body.dataset.status is "done" or "error", and the output is the text of #output.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const SCRATCH = `import match

x = match.mat([[1.0, 2.0], [3.0, 4.0]])
loss = (x @ x.T).relu().sum()
loss.backward()
print("loss", loss.item())
print("gradient", x.grad.vals)
`;

const state = {
  manifest: null,
  worker: null,
  ready: false,
  running: false,
  started: 0,
  current: null, // the demo in the editor
  sources: {}, // demo name -> source as shipped
  edits: {}, // demo name -> source as the student left it
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
        showlegend: labelled, marker: { color, size: 7, line: { width: 0.5, color: "#222" } } }];
    case "contour": {
      const grid = { type: "contour", x: series.x, y: series.y, z: series.z, showscale: false,
        showlegend: false };
      return [
        { ...grid, colorscale: "RdBu", opacity: 0.6, ncontours: 20, line: { width: 0 },
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

function layout(panel, small) {
  const images = panel.series.some((s) => s.kind === "image");
  const axis = (label, range) => ({ title: { text: label }, range: range || undefined,
    visible: panel.axes, automargin: true, zeroline: false });
  const yaxis = { ...axis(panel.ylabel, panel.ylim), type: panel.ylog ? "log" : "linear" };
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

function run(code, filename) {
  if (!state.ready || state.running) return;
  output.clear();
  $("figures").textContent = "";
  state.running = true;
  state.started = performance.now();
  setStatus("running", `running ${filename}…`);
  state.worker.postMessage({ code, filename, quick: $("quick").checked });
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

function makeEditor(id, onRun) {
  const editor = ace.edit(id, { mode: "ace/mode/python", theme: "ace/theme/textmate",
    tabSize: 4, useSoftTabs: true, showPrintMargin: false });
  editor.commands.addCommand({ name: "run", bindKey: { win: "Ctrl-Enter", mac: "Cmd-Enter" },
    exec: onRun });
  return editor;
}

const editors = {};

async function select(name) {
  if (state.current) state.edits[state.current] = editors.source.getValue();
  const demo = state.manifest.demos.find((d) => d.name === name);
  if (!(name in state.sources)) {
    state.sources[name] = await (await fetch(demo.file)).text();
  }
  state.current = name;
  editors.source.setValue(state.edits[name] ?? state.sources[name], -1);
  $("title").textContent = `${name}.py`;
  for (const button of document.querySelectorAll("#demos button")) {
    button.setAttribute("aria-current", String(button.dataset.name === name));
  }
  const url = new URL(location.href);
  url.searchParams.set("demo", name);
  url.searchParams.delete("autorun");
  history.replaceState(null, "", url);
}

function runDemo() {
  run(editors.source.getValue(), `${state.current}.py`);
}

function runScratch() {
  run(editors.scratch.getValue(), "scratch.py");
}

async function main() {
  ace.config.set("basePath", "vendor/ace");
  editors.source = makeEditor("editor", runDemo);
  editors.scratch = makeEditor("scratch", runScratch);
  editors.scratch.setValue(SCRATCH, -1);
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
  $("reset").onclick = () => editors.source.setValue(state.sources[state.current], -1);
  $("quick").checked = params.get("quick") === "1";

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
