"""Redraw the README's pictures in docs/images/, each made by the project itself.

    python scripts/make_pictures.py            # all four (or name some: site backprop graph)

- `boundary.png`: the decision boundary that demos/demo_classifier.py draws on the moons (its
  own figure, through match.plotting and matplotlib; needs `pip install matplotlib`);
- `graph.svg`: the compute graph of the README's first example, drawn by `match.viz.render`
  (needs Graphviz's `dot` program);
- `site.png`: the top of the browser page (scripts/build_site.py) at 1280 px after running
  the linear demo, taken by headless Chromium (needs what tests/test_site.py needs: `npm ci`,
  playwright, chromium and pdoc);
- `backprop.png`: the site's backprop.html on the "shared" example at step 3, where `y * y`
  sends y two gradients that add up (the same tools as site.png).

A picture whose tool is missing is skipped with a line that says what to install; the others
are still drawn. Nothing here runs in the tests: the pictures are files in the repository.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT))


def boundary() -> str:
    """The classifier demo's moons figure, drawn by the demo itself."""
    if importlib.util.find_spec("matplotlib") is None:
        return "skipped: needs matplotlib (pip install matplotlib)"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MATCH_DEMO_PLOT_DIR=tmp, PYTHONPATH=str(ROOT))
        env.pop("MATCH_DEMO_QUICK", None)
        env.pop("MATCH_ACCEL", None)
        demo = ROOT / "demos" / "demo_classifier.py"
        done = subprocess.run([sys.executable, str(demo)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return f"failed:\n{done.stderr[-2000:]}"
        shutil.copy2(Path(tmp) / "demo_classifier_moons.png", IMAGES / "boundary.png")
    return "docs/images/boundary.png"


def graph() -> str:
    """The README's first example as a graph, with its gradients."""
    import match

    if shutil.which("dot") is None:
        return "skipped: needs Graphviz's dot (apt install graphviz)"
    x = match.mat([[1.0, 2.0], [3.0, -1.0]])
    w = match.mat([[0.5], [0.25]])
    x.name, w.name = "x", "w"
    loss = ((x @ w).relu() ** 2).mean()
    loss.backward(retain_graph=True)
    match.viz.render(loss, IMAGES / "graph.svg", show_grad=True)
    return "docs/images/graph.svg"


def site() -> str:
    """The browser page at 1280 px, after the linear demo ran (quick mode)."""
    from tests.browser import launch, missing_tools, serve

    missing = missing_tools()
    if missing is None and importlib.util.find_spec("pdoc") is None:
        missing = "pdoc is not installed (pip install -r requirements-site.txt)"
    if missing:
        return f"skipped: {missing}"
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_site

    with tempfile.TemporaryDirectory() as tmp:
        out = build_site.build(Path(tmp) / "site")
        with serve(out) as base, launch() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}index.html?demo=linear&autorun=1")
            page.wait_for_function(
                "['done', 'error'].includes(document.body.dataset.status)", timeout=300_000
            )
            page.wait_for_timeout(500)  # the figures' last redraw
            page.screenshot(path=str(IMAGES / "site.png"))
            page.close()
    return "docs/images/site.png"


def backprop() -> str:
    """backprop.html at 1280 px: the shared-subexpression example, stepped to step 3."""
    from tests.browser import launch, missing_tools, serve

    missing = missing_tools()
    if missing is None and importlib.util.find_spec("pdoc") is None:
        missing = "pdoc is not installed (pip install -r requirements-site.txt)"
    if missing:
        return f"skipped: {missing}"
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_site

    with tempfile.TemporaryDirectory() as tmp:
        out = build_site.build(Path(tmp) / "site")
        with serve(out) as base, launch() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}backprop.html?example=shared")
            page.wait_for_function(
                "['traced', 'error'].includes(document.body.dataset.status)", timeout=300_000
            )
            page.evaluate("matchBackprop.go(3)")
            page.wait_for_timeout(300)
            page.screenshot(path=str(IMAGES / "backprop.png"))
            page.close()
    return "docs/images/backprop.png"


PICTURES = {"boundary": boundary, "graph": graph, "site": site, "backprop": backprop}


def main(argv: list[str] | None = None) -> int:
    """Draw the pictures named (all by default); print where each went, or why it did not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*PICTURES, []], metavar="NAME")
    names = parser.parse_args(argv).names or list(PICTURES)
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name in names:
        print(f"{name}: {PICTURES[name]()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
