"""Match outside the repository: the wheel, the demos next to an installed Match, and the static
site (scripts/build_site.py) in headless Chromium.

The browser tests build the site, serve it on 127.0.0.1 with http.server, run every demo in
quick mode and a snippet in the scratch cell, play programs on backprop.html and compare its
trace with CPython's, and check that no request left 127.0.0.1. They
need node's packages (`npm ci`), playwright (pip) and Debian's `chromium`, and skip saying which
is missing; with MATCH_SITE_REQUIRED=1 (set by .ci/run) a missing piece fails instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from match.tools.backprop import EXAMPLES, trace_program
from tests.browser import launch, missing_tools, require, serve, watched_page
from tests.test_demos import ENDINGS, NAMES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402

DEMO_TIMEOUT_MS = 300_000  # a quick demo takes seconds; the margin is for slow CI machines


def _python(*args: str, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), MATCH_DEMO_QUICK="1")
    env.pop("MATCH_ACCEL", None)
    env.pop("MATCH_DEMO_PLOT_DIR", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


# ---------------------------------------------------------------------------------------------
# The wheel and an installed Match (no browser needed)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding Match installed from a freshly built wheel (for PYTHONPATH)."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("building a wheel offline needs setuptools (pip install setuptools)")
    before = {p.name for p in ROOT.iterdir()}
    wheel = build_site.build_wheel(tmp_path_factory.mktemp("wheel"))
    assert {p.name for p in ROOT.iterdir()} == before, "the build wrote into the source tree"
    target = tmp_path_factory.mktemp("site-packages")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), wheel],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return target


def test_the_wheel_ships_the_demos_and_the_typing_marker(installed: Path) -> None:
    assert (installed / "match" / "py.typed").is_file()
    assert (installed / "match" / "plotting.py").is_file()
    assert sorted(p.stem for p in (installed / "match" / "demos").glob("demo_*.py")) == sorted(
        NAMES
    )
    metadata = next(installed.glob("match_autodiff-*.dist-info")) / "METADATA"
    text = metadata.read_text(encoding="utf-8")
    assert "License-Expression: MIT" in text and "Typing :: Typed" in text


def test_a_demo_copied_alone_runs_next_to_an_installed_match(
    installed: Path, tmp_path: Path
) -> None:
    shutil.copy(ROOT / "demos" / "demo_linear.py", tmp_path)
    probe = "import match, runpy; print('from', match.__file__); runpy.run_path('demo_linear.py')"
    result = _python("-c", probe, cwd=tmp_path, pythonpath=installed)
    assert result.returncode == 0, result.stderr
    assert f"from {installed}" in result.stdout  # the installed copy, not the repository's
    assert ENDINGS["demo_linear"] in result.stdout


def test_python_m_match_demos_lists_and_runs_them(installed: Path, tmp_path: Path) -> None:
    listing = _python("-m", "match", "demos", cwd=tmp_path, pythonpath=installed)
    assert listing.returncode == 0, listing.stderr
    for name in NAMES:
        assert name.removeprefix("demo_") in listing.stdout
    ran = _python("-m", "match", "demos", "neuron", "--quick", cwd=tmp_path, pythonpath=installed)
    assert ran.returncode == 0, ran.stderr
    assert ENDINGS["demo_neuron"] in ran.stdout
    unknown = _python("-m", "match", "demos", "nope", cwd=tmp_path, pythonpath=installed)
    assert unknown.returncode == 2 and "no demo called 'nope'" in unknown.stderr


# ---------------------------------------------------------------------------------------------
# The site in headless Chromium
# ---------------------------------------------------------------------------------------------


def _require() -> None:
    missing = missing_tools()
    if missing is None and importlib.util.find_spec("pdoc") is None:
        missing = "pdoc is not installed (pip install -r requirements-site.txt)"
    require(missing, "MATCH_SITE_REQUIRED")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site, built by its command line into a temporary folder and served on 127.0.0.1."""
    _require()
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_site.py"), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    with serve(out) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[object]:
    with launch() as chromium:
        yield chromium


@pytest.fixture
def page(browser: object, site: str) -> Iterator[object]:
    """A fresh page; afterwards, checks that every request it made went to the test server."""
    with watched_page(browser, site) as fresh:
        yield fresh


def _wait_for_end(page: object) -> str:
    page.wait_for_function(
        "['done', 'error'].includes(document.body.dataset.status)", timeout=DEMO_TIMEOUT_MS
    )
    return page.evaluate("document.body.dataset.status")


@pytest.mark.parametrize("name", NAMES)
def test_demo_runs_in_the_browser(page: object, site: str, name: str) -> None:
    page.goto(f"{site}index.html?demo={name}&quick=1&autorun=1")
    status = _wait_for_end(page)
    output = page.inner_text("#output")
    assert status == "done", output
    assert ENDINGS[name] in output, output
    assert page.locator("#demos li").count() == len(NAMES)
    assert page.locator(".figure .js-plotly-plot").count() >= 1  # its figures were drawn


def test_scratch_cell_errors_progress_lines_and_stop(page: object, site: str) -> None:
    page.goto(f"{site}index.html")
    page.wait_for_function("document.body.dataset.status === 'ready'", timeout=DEMO_TIMEOUT_MS)

    def scratch(code: str) -> tuple[str, str]:
        page.evaluate("code => matchSite.editors.scratch.setValue(code)", code)
        page.click("#run-scratch")
        return _wait_for_end(page), page.inner_text("#output")

    status, output = scratch(
        "import match\n"
        "x = match.mat([[1.0, 2.0], [3.0, 4.0]])\n"
        "(x @ x.T).sum().backward()\n"
        "for i in range(3):\n"
        "    print(f'step {i}', end='\\r', flush=True)\n"
        "print('grad', x.grad.vals)\n"
    )
    assert status == "done", output
    assert "grad [[8.0, 12.0], [8.0, 12.0]]" in output
    assert "step" not in output  # each '\r' line was overwritten by the next

    status, output = scratch("raise ValueError('boom')\n")
    assert status == "error"
    assert "ValueError: boom" in output and "_match_run" not in output

    # Stop ends a run that would go on for ever, and Python starts again for the next one.
    page.evaluate("code => matchSite.editors.scratch.setValue(code)", "while True: pass\n")
    page.click("#run-scratch")
    page.wait_for_function("document.body.dataset.status === 'running'")
    page.click("#stop")
    page.wait_for_function("document.body.dataset.status === 'ready'", timeout=DEMO_TIMEOUT_MS)
    assert "(stopped)" in page.inner_text("#output")
    status, output = scratch("print('alive again')\n")
    assert status == "done" and "alive again" in output


def test_the_page_opens_on_linear_with_its_text_between_code_cells(page: object, site: str) -> None:
    page.goto(f"{site}index.html")
    page.wait_for_function("document.body.dataset.status === 'ready'", timeout=DEMO_TIMEOUT_MS)
    assert page.inner_text("#title") == "demo_linear.py"  # the README's first, not alphabetical
    names = page.locator("#demos .name").all_inner_texts()
    assert names == NAMES
    assert page.inner_text(".cell.markdown h2") == "Linear regression with Match"
    code = page.evaluate("matchSite.editors.source.getValue()")
    assert "# %%" not in code and "jupytext" not in code and "ModuleNotFoundError" not in code
    assert code.lstrip().startswith('"""Linear regression demo')
    assert page.locator(".cell.code").count() >= 5
    for link in ("readme.html", "api/index.html", "source/index.html", "demos/demo_linear.py"):
        assert page.locator(f'header a[href="{link}"]').count() == 1, link
    assert "Ctrl" in page.inner_text("#work")  # the shortcut is shown
    page.check("#quick")
    assert page.is_visible("#quick-note") and "expected" in page.inner_text("#quick-note")


def test_the_scratch_cell_sees_the_demo_and_keeps_its_output(page: object, site: str) -> None:
    page.goto(f"{site}index.html?demo=linear&quick=1&autorun=1")
    assert _wait_for_end(page) == "done"
    page.evaluate(
        "code => matchSite.editors.scratch.setValue(code)",
        "print('scratch sees', type(model).__name__, len(losses2))\n",
    )
    page.click("#run-scratch")
    assert _wait_for_end(page) == "done"
    output = page.inner_text("#output")
    assert "scratch sees Linear 30" in output
    assert ENDINGS["demo_linear"] in output  # the demo's output is still there
    assert page.locator(".figure").count() >= 2


def test_the_api_reference_is_built_searchable_and_complete(page: object, site: str) -> None:
    import match

    page.goto(f"{site}index.html")
    page.click('header a[href="api/index.html"]')
    page.wait_for_selector(".pdoc input[type=search]")
    for link in ("match/nn.html", "match/tools.html", "match/serialize.html", "../index.html"):
        assert page.locator(f'a[href="{link}"]').count() >= 1, link  # every page one click away
    page.fill(".pdoc input[type=search]", "CrossEntropyLoss")
    page.wait_for_selector(".search-result")
    assert "CrossEntropyLoss" in page.inner_text(".search-result")
    # every public name of the documented modules is in the search index
    index = page.evaluate("fetch('search.js').then(r => r.text())")
    for module in (match, match.nn, match.optim, match.data):
        for name in module.__all__:
            assert name in index, f"{module.__name__}.{name}"
    for name in ("gradcheck", "GradcheckError", "Function", "checkpoint", "to_dot", "summary"):
        assert name in index, name
    # with its signature and docstring
    page.goto(f"{site}api/match/nn.html")
    linear = page.inner_text("#Linear")
    assert "in_features" in linear and "out_features" in linear


def test_the_built_site_is_self_contained(tmp_path: Path) -> None:
    _require()
    out = tmp_path / "site"
    build_site.build(out)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "app.js", "worker.js", "site.json", "pyodide/pyodide.mjs"} <= names
    assert {"api/index.html", "api/match.html", "api/search.js", "readme.html"} <= names
    assert "source/match/autograd.py.txt" in names
    (wheel,) = out.glob("match_autodiff-*.whl")
    assert "match/demos/demo_linear.py" in zipfile.ZipFile(wheel).namelist()
    assert {"backprop.html", "backprop.js"} <= names
    manifest = json.loads((out / "site.json").read_text(encoding="utf-8"))
    assert manifest["backprop_examples"] == EXAMPLES
    files = ("index.html", "app.js", "worker.js", "style.css", "backprop.html", "backprop.js")
    for text_file in files:
        text = (out / text_file).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, text_file


# ---------------------------------------------------------------------------------------------
# backprop.html: the real Match in Pyodide, step by step, against CPython's trace
# ---------------------------------------------------------------------------------------------

BACKPROP_PROGRAMS = {
    **EXAMPLES,
    "shared_matmul": (
        "a = match.mat([[1.0, 2.0], [0.5, -1.0]])\n"
        "s = a @ a\n"
        "loss = (s * a).sum() + s.exp().mean()\n"
    ),
}


def _close(page_value: object, python_value: object, path: str = "") -> None:
    """The page's trace equals CPython's: the same structure and strings, numbers within
    rounding (Pyodide's libm may differ from the machine's in the last bit)."""
    if isinstance(python_value, float) and isinstance(page_value, (int, float)):
        assert abs(page_value - python_value) <= 1e-12 * max(1.0, abs(python_value)), path
    elif isinstance(python_value, dict):
        assert isinstance(page_value, dict) and page_value.keys() == python_value.keys(), path
        for key in python_value:
            _close(page_value[key], python_value[key], f"{path}.{key}")
    elif isinstance(python_value, list):
        assert isinstance(page_value, list) and len(page_value) == len(python_value), path
        for k, (a, b) in enumerate(zip(page_value, python_value)):
            _close(a, b, f"{path}[{k}]")
    else:
        assert page_value == python_value, path


@pytest.mark.parametrize("name", BACKPROP_PROGRAMS)
def test_backprop_page_plays_a_program_as_cpython_traces_it(
    page: object, site: str, name: str
) -> None:
    code = BACKPROP_PROGRAMS[name]
    page.goto(f"{site}backprop.html?code={urllib.parse.quote(code)}&autoplay=1")
    status = _wait_for_end(page)
    assert status == "done", page.inner_text("#output")
    in_page = page.evaluate("window.matchTrace")
    trace, _ = trace_program(code)
    _close(in_page, json.loads(trace.to_json()))
    steps = len(trace.steps)
    assert page.inner_text("#state") == f"step {steps} of {steps}: backward is done"
    # the last step is on show: its node highlighted, its closure's source and its updates
    last = trace.steps[-1]
    assert page.locator(f'#graph .node.current[data-id="{last["node"]}"]').count() == 1
    assert page.inner_text("#detail pre.source") == last["source"].rstrip("\n")
    assert page.locator("#detail .update").count() == len(last["updates"])
    assert page.locator("#graph .node").count() == len(trace.nodes)


def test_backprop_page_steps_back_and_forth_and_shows_what_adds_up(page: object, site: str) -> None:
    page.goto(f"{site}index.html")
    page.click('header a[href="backprop.html"]')  # linked from the index
    page.wait_for_function("document.body.dataset.status === 'traced'", timeout=DEMO_TIMEOUT_MS)
    assert page.input_value("#examples") == "neuron"  # the first example, traced at load
    assert page.inner_text("#detail h3") == "Before backward"
    page.select_option("#examples", "shared")
    page.wait_for_function(
        "window.matchTrace && window.matchTrace.steps.length === 4", timeout=DEMO_TIMEOUT_MS
    )
    page.click("#step")
    assert "Step 1 of 4" in page.inner_text("#detail h3")
    assert "d loss / d loss = 1" in page.inner_text("#detail")
    for _ in range(2):
        page.click("#step")
    detail = page.inner_text("#detail")  # step 3: y * y sends y two shares, added up
    assert "Step 3 of 4" in detail and detail.count("Gradients add up") == 2
    assert "second share from this same closure" in detail
    page.click("#back")
    assert "Step 2 of 4" in page.inner_text("#detail h3")
    page.click("#reset")
    assert page.inner_text("#detail h3") == "Before backward"
    assert page.locator("#graph .node .grad").all_text_contents() == [""] * 5
    page.click("#play")
    page.wait_for_function("document.body.dataset.status === 'done'", timeout=DEMO_TIMEOUT_MS)
    assert page.text_content("#graph .node[data-id='0'] .grad") == "∇ [16.5, -1.5]"

    page.select_option("#examples", "broadcast")
    page.wait_for_function(
        "window.matchTrace && window.matchTrace.steps.length === 3", timeout=DEMO_TIMEOUT_MS
    )
    page.evaluate("matchBackprop.go(3)")
    detail = page.inner_text("#detail")
    assert "Broadcast:" in detail and "sums the gradient over its rows" in detail
    assert "sent (3×2)" in detail


def test_backprop_page_reports_a_failing_program(page: object, site: str) -> None:
    for code, message in [
        ("x = 1\n", "defines no `loss`"),
        ("loss = 1 / 0\n", "ZeroDivisionError: division by zero"),
    ]:
        page.goto(f"{site}backprop.html?code={urllib.parse.quote(code)}&autoplay=1")
        assert _wait_for_end(page) == "error"
        assert message in page.inner_text("#output")
        assert page.evaluate("window.matchTrace") is None


def test_the_exercise_grader_runs_in_the_browser(page: object, site: str) -> None:
    """`python -m match exercises check`'s grader is pure Python: in the page's Pyodide it grades
    the installed Match (the real source, so every exercise passes), offline."""
    page.goto(f"{site}index.html")
    page.wait_for_function("document.body.dataset.status === 'ready'", timeout=DEMO_TIMEOUT_MS)
    page.evaluate(
        "code => matchSite.editors.scratch.setValue(code)",
        "import match\n"
        "from match.exercises.check import grade, report\n"
        "print(report(grade(match)).splitlines()[-1])\n",
    )
    page.click("#run-scratch")
    status, output = _wait_for_end(page), page.inner_text("#output")
    assert status == "done", output
    score = output.strip().splitlines()[-1]
    assert score.startswith("score: ") and score.split()[1].split("/")[0] == score.split("/")[-1]
