// Runs Python off the page's main thread, so the page stays responsive while a demo trains.
//
// Messages from the page: {type: "run", code, filename, quick, scratch}. A demo runs in a fresh
// namespace; the scratch cell (scratch: true) runs in the last demo's, so it sees its variables.
// Messages to the page: {type: "ready"}, {type: "out", text, stream: "stdout" | "stderr"},
// {type: "figure", json}, {type: "done", ok}, {type: "failed", error} (Python did not start).
// backprop.html sends {type: "trace", code} instead: the code runs and its `loss`'s backward is
// traced (match.tools.backprop.trace_program); the answer is {type: "traced", json, error}.
// Stop is the page terminating this worker and starting a new one: a running Python loop cannot
// be interrupted from outside without cross-origin isolation, which a plain web server lacks.

import { loadPyodide } from "./pyodide/pyodide.mjs";

// Python's start-up: route the figures that the demos make to the page, and define the runner.
const BOOT = `
import json, os, sys, traceback
import _match_page
import match.plotting

match.plotting.set_figure_handler(lambda figure: _match_page.figure(json.dumps(figure)))

_match_namespace = {"__name__": "__main__"}

def _match_run(code, filename, quick, scratch):
    """Run code as a script named filename (a scratch cell: in the last demo's namespace); print
    its traceback and return False if it fails."""
    global _match_namespace
    os.environ["MATCH_DEMO_QUICK"] = "1" if quick else "0"
    if not scratch:
        _match_namespace = {"__name__": "__main__"}
    try:
        exec(compile(code, filename, "exec"), _match_namespace)
    except BaseException as error:
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return True

def _match_trace(code):
    """Run code, trace its loss's backward; the trace as JSON, or "" after printing the error."""
    from match.tools.backprop import ProgramError, trace_program

    try:
        trace, _ = trace_program(code, "program.py")
        return trace.to_json()
    except ProgramError as error:
        cause = error.__cause__
        if cause is not None and not isinstance(cause, (TypeError, ValueError, RuntimeError)):
            traceback.print_exception(type(cause), cause, cause.__traceback__.tb_next)
        print(error, file=sys.stderr)
        return ""
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
`;

function writer(stream) {
  const decoder = new TextDecoder();
  return {
    isatty: true, // so progress lines redraw in place with "\r", as on a terminal
    write(bytes) {
      postMessage({ type: "out", stream, text: decoder.decode(bytes, { stream: true }) });
      return bytes.length;
    },
  };
}

async function start() {
  const base = new URL("./", import.meta.url).href;
  const pyodide = await loadPyodide({ indexURL: base + "pyodide/" });
  pyodide.setStdout(writer("stdout"));
  pyodide.setStderr(writer("stderr"));
  const manifest = await (await fetch(base + "site.json")).json();
  const wheel = await (await fetch(base + manifest.wheel)).arrayBuffer();
  pyodide.unpackArchive(wheel, "wheel");
  pyodide.registerJsModule("_match_page", {
    figure: (json) => postMessage({ type: "figure", json }),
  });
  pyodide.runPython(BOOT);
  return pyodide;
}

const ready = start();
ready.then(
  () => postMessage({ type: "ready" }),
  (error) => postMessage({ type: "failed", error: String(error) }),
);

onmessage = async (event) => {
  const { code, filename, quick, scratch } = event.data;
  const pyodide = await ready;
  if (event.data.type === "trace") {
    const trace = pyodide.globals.get("_match_trace");
    let json = "";
    try {
      json = trace(code);
    } catch (error) {
      postMessage({ type: "out", stream: "stderr", text: String(error) + "\n" });
    } finally {
      trace.destroy();
    }
    postMessage({ type: "traced", json });
    return;
  }
  const run = pyodide.globals.get("_match_run");
  let ok = false;
  try {
    ok = run(code, filename, quick, Boolean(scratch));
  } catch (error) {
    postMessage({ type: "out", stream: "stderr", text: String(error) + "\n" });
  } finally {
    run.destroy();
  }
  postMessage({ type: "done", ok });
};
