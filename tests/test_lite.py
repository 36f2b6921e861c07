"""The JupyterLite site (scripts/build_lite.py) in headless Chromium: the demos as notebooks.

The site is built in quick mode (the kernel starts with MATCH_DEMO_QUICK=1) into a temporary
folder and served on 127.0.0.1. Each demo notebook is opened, Run > Run All Cells runs it in
the Pyodide kernel, and it must end with no error and print its key result line exactly as
CPython prints it in quick mode without numpy, while no request leaves 127.0.0.1.

Needs what tests/test_site.py needs (`npm ci`, playwright, chromium) and the lite environment
(.venv-lite, or $MATCH_LITE_VENV: Python 3.12+ with requirements-lite.txt); skips saying what
is missing, unless MATCH_LITE_REQUIRED=1 (set by .ci/run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import ROOT, launch, missing_tools, require, serve, watched_page
from tests.test_demos import BLOCKED, DEMOS, ENDINGS, NAMES, _run

VENV = Path(os.environ.get("MATCH_LITE_VENV", ROOT / ".venv-lite"))
# Starting the kernel takes about 20 s here; the margin is for slow CI machines.
NOTEBOOK_TIMEOUT_MS = 600_000
# Every code cell has run ("[n]:"), or one of them raised.
ALL_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  const ran = prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
  return ran || document.querySelector('[data-mime-type="application/vnd.jupyter.error"]');
}"""


def _missing() -> str | None:
    """Why the JupyterLite test cannot run here, or None."""
    for tool in ("jupyter", "jupytext"):
        if not (VENV / "bin" / tool).is_file():
            return (
                f"the lite environment is missing {VENV / 'bin' / tool} (python3.13 -m venv "
                f"{VENV} && {VENV}/bin/pip install -r requirements-lite.txt)"
            )
    return missing_tools()


@pytest.fixture(scope="module")
def lite() -> Iterator[tuple[Path, str]]:
    """The site, built by its command line in quick mode, and the URL it is served at."""
    require(_missing(), "MATCH_LITE_REQUIRED")
    with tempfile.TemporaryDirectory(prefix="match-lite-test-") as tmp:
        out = Path(tmp) / "lite"
        command = [sys.executable, str(ROOT / "scripts" / "build_lite.py"), "--quick"]
        built = subprocess.run(
            [*command, "--out", str(out), "--venv", str(VENV)], capture_output=True, text=True
        )
        assert built.returncode == 0, built.stdout + built.stderr
        with serve(out) as base_url:
            yield out, base_url


def test_every_demo_is_a_notebook_for_the_pyodide_kernel(lite: tuple[Path, str]) -> None:
    out, _ = lite
    notebooks = sorted((out / "files").glob("*.ipynb"))
    assert [path.stem for path in notebooks] == sorted(NAMES)
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["metadata"]["kernelspec"]["name"] == "python", path.name
        assert notebook["cells"][0]["cell_type"] == "markdown", path.name
    lock = json.loads((out / "static" / "pyodide-lock" / "pyodide-lock.json").read_text())
    files = [package["file_name"] for package in lock["packages"].values()]
    assert not [name for name in files if "://" in name], "every wheel lies in the site"
    assert any("/match_autodiff-" in name for name in files)


@pytest.mark.parametrize("name", NAMES)
def test_demo_notebook_runs_in_jupyterlite(
    lite: tuple[Path, str], name: str, tmp_path: Path
) -> None:
    _, base_url = lite
    cpython = _run(["-c", BLOCKED, str(DEMOS / f"{name}.py")], tmp_path, tmp_path)
    assert cpython.returncode == 0, cpython.stderr
    expected = [line for line in cpython.stdout.splitlines() if ENDINGS[name] in line][-1]
    with launch() as browser, watched_page(browser, base_url) as page:
        page.goto(f"{base_url}notebooks/index.html?path={name}.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=NOTEBOOK_TIMEOUT_MS)
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        page.wait_for_function(ALL_RAN, timeout=NOTEBOOK_TIMEOUT_MS)
        text = page.eval_on_selector(".jp-Notebook", "notebook => notebook.textContent")
        errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, errors.first.text_content()
        assert expected in text, f"{expected!r} is not in:\n{text[-2000:]}"
