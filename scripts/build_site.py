"""Build Match's static site: every demo runs in the browser, with nothing installed.

    npm ci                          # once: the pinned Pyodide, editor and chart library
    python scripts/build_site.py    # writes site/ (or: --out DIR)

The output is one self-contained folder to put on any static web server (or to serve locally
with `python -m http.server -d site`): the page (web/), the Pyodide runtime and standard library
(no other Pyodide packages), the Ace editor, the Plotly chart library, a wheel of Match built
from this checkout, the demo sources, the API reference (api/, made by pdoc from the
docstrings), the README as a page (readme.html), Match's source as plain text (source/), and
backprop.html, which steps through a program's backward pass (its example programs are
match/tools/backprop.py's EXAMPLES, written into site.json).
The page loads nothing from outside its folder.

pdoc (pinned in requirements-site.txt) renders the reference: a maintained tool whose output
is static, searchable in the page and needs no network; the build runs it offline.

The wheel is built from a copy of the source tree in a temporary folder, so no build/ or
*.egg-info appears in the checkout.
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# What the page needs from each npm package: (source inside node_modules, target in the site).
PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
ACE_FILES = ["ace.js", "mode-python.js", "theme-textmate.js"]
NOTICES = [
    ("pyodide", "Pyodide: the Python runtime (MPL-2.0)"),
    ("ace-builds", "Ace: the code editor (BSD-3-Clause)"),
    ("plotly.js-dist-min", "Plotly.js: the charts (MIT)"),
]
# Copied from the source tree into the temporary build folder (tests and tools are not needed).
# The wheel's file name starts with the distribution name (pyproject's `name`, "match-autodiff"
# on the package index, where "match" is another project) spelled as wheels spell it.
WHEEL_PREFIX = "match_autodiff"
SOURCES = ["pyproject.toml", "setup.py", "README.md", "LICENSE", "match", "demos"]


def npm_file(package: str, *parts: str) -> Path:
    """A file of an installed npm package; exits with a hint when `npm ci` has not run."""
    path = NODE_MODULES.joinpath(package, *parts)
    if not path.is_file():
        sys.exit(f"build_site: {path} is missing; run `npm ci` in {ROOT} first")
    return path


def copy_pyodide(into: Path) -> None:
    """Pyodide's runtime and standard library from node_modules, with no other packages.

    The lock's package list is emptied: the sites install nothing but Match (and, for
    JupyterLite, the kernel's own wheels), so nothing can be fetched from Pyodide's CDN.
    """
    into.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copy2(npm_file("pyodide", name), into / name)
    lock_path = into / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    lock["packages"] = {}
    lock_path.write_text(json.dumps(lock), encoding="utf-8")


def build_wheel(into: Path) -> Path:
    """Build Match's wheel from a temporary copy of the source tree; returns its path."""
    with tempfile.TemporaryDirectory(prefix="match-wheel-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.png", "*.ipynb")
        for name in SOURCES:
            item = ROOT / name
            if item.is_dir():
                shutil.copytree(item, source / name, ignore=ignore)
            else:
                shutil.copy2(item, source / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into)]
        if importlib.util.find_spec("setuptools") is not None:
            command.append("--no-build-isolation")  # offline, with the setuptools we have
        result = subprocess.run([*command, str(source)], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"build_site: building the wheel failed:\n{result.stdout}\n{result.stderr}")
    (wheel,) = into.glob(f"{WHEEL_PREFIX}-*.whl")
    return wheel


def load_demos_module() -> object:
    """demos/__init__.py, imported from the checkout (it is `match.demos` once installed)."""
    spec = importlib.util.spec_from_file_location("_site_demos", ROOT / "demos" / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def backprop_examples() -> dict[str, str]:
    """The example programs of backprop.html: EXAMPLES in match/tools/backprop.py, read without
    importing Match."""
    source = (ROOT / "match" / "tools" / "backprop.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "EXAMPLES":
            return ast.literal_eval(node.value)
    sys.exit("build_site: no EXAMPLES in match/tools/backprop.py")


def emptied(out: Path, script: str) -> Path:
    """`out`, resolved and removed, ready to be written; never a folder holding the checkout."""
    out = out.resolve()
    if out == ROOT or ROOT.is_relative_to(out):
        sys.exit(f"{script}: refusing to empty {out}, which holds the source tree")
    if out.exists():
        shutil.rmtree(out)
    return out


# The modules of the API reference: pdoc documents each public name (the module's __all__) with
# its signature and docstring, and their submodules. `match.save` and `match.load` (loaded on
# first use) are documented where they live, in match.serialize; `match.viz` in match.tools.viz.
API_MODULES = ["match", "match.nn", "match.optim", "match.data", "match.tools", "match.serialize"]


def build_api(into: Path) -> Path:
    """The API reference, by pdoc, from this checkout's `match` (imported, as pdoc needs)."""
    if importlib.util.find_spec("pdoc") is None:
        sys.exit("build_site: pdoc is missing; run `pip install -r requirements-site.txt` first")
    version = load_version()
    command = [sys.executable, "-m", "pdoc", "--no-show-source", "--docformat", "markdown"]
    command += ["--template-directory", str(ROOT / "scripts" / "pdoc_templates")]
    command += ["--footer-text", f"Match {version}", "-o", str(into), *API_MODULES]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not (into / "index.html").is_file():
        sys.exit(f"build_site: pdoc failed:\n{result.stdout}\n{result.stderr}")
    return into


def load_version() -> str:
    """Match's version, read from match/__init__.py without importing it."""
    for line in (ROOT / "match" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    return "?"


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="{up}style.css"></head>
<body class="doc"><nav class="doclinks"><a href="{up}index.html">Demos</a>
<a href="{up}backprop.html">Backprop step by step</a> <a href="{up}readme.html">README</a>
<a href="{up}api/index.html">API reference</a>
<a href="{up}source/index.html">Source</a></nav><main class="doc">{body}</main></body></html>
"""


def build_readme(out: Path) -> None:
    """README.md as readme.html, rendered by pdoc's markdown (the same as the reference's)."""
    from pdoc.render_helpers import to_html

    body = to_html((ROOT / "README.md").read_text(encoding="utf-8"))
    # pictures live in docs/images in the repository; the page uses the copies in images/
    for attribute in ("src", "href"):
        body = body.replace(f'{attribute}="docs/images/', f'{attribute}="images/')
    (out / "readme.html").write_text(PAGE.format(title="Match: README", up="", body=body))
    if (ROOT / "docs" / "images").is_dir():
        shutil.copytree(ROOT / "docs" / "images", out / "images")


def build_source(out: Path) -> None:
    """Match's source files as plain text in source/, with one page that lists them."""
    items = []
    for path in sorted((ROOT / "match").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        target = out / "source" / f"{relative}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        lines = path.read_text(encoding="utf-8").count("\n")
        items.append(
            f'<li><a href="{relative}.txt">{html.escape(relative)}</a> ({lines} lines)</li>'
        )
    body = (
        "<h1>Match's source</h1><p>Start with <code>match/autograd.py</code> (the graph and "
        "backward), then <code>match/matrix.py</code> (the operations). The demos' sources are "
        "on the demo page.</p><ul>" + "".join(items) + "</ul>"
    )
    page = PAGE.format(title="Match: source", up="../", body=body)
    (out / "source" / "index.html").write_text(page, encoding="utf-8")


def build(out: Path) -> Path:
    """Write the site into `out` (emptied first); returns `out`."""
    out = emptied(out, "build_site")
    shutil.copytree(ROOT / "web", out)

    copy_pyodide(out / "pyodide")

    for name in ACE_FILES:
        target = out / "vendor" / "ace" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(npm_file("ace-builds", "src-min-noconflict", name), target)
    shutil.copy2(npm_file("plotly.js-dist-min", "plotly.min.js"), out / "vendor" / "plotly.min.js")
    notices = []
    for package, what in NOTICES:
        version = json.loads(npm_file(package, "package.json").read_text(encoding="utf-8"))
        notices.append(f"{what}, version {version['version']}")
        for license_name in ("LICENSE", "LICENSE.md"):
            if (NODE_MODULES / package / license_name).is_file():
                notices.append((NODE_MODULES / package / license_name).read_text(encoding="utf-8"))
    (out / "vendor" / "NOTICES.txt").write_text("\n\n".join(notices), encoding="utf-8")

    wheel = build_wheel(out)
    demos = []
    (out / "demos").mkdir()
    for name, (path, summary) in load_demos_module().find().items():
        shutil.copy2(path, out / "demos" / path.name)
        demos.append({"name": name, "file": f"demos/{path.name}", "summary": summary})
    build_api(out / "api")
    build_readme(out)
    build_source(out)
    manifest = {
        "wheel": wheel.name,
        "demos": demos,
        "version": load_version(),
        "backprop_examples": backprop_examples(),
    }
    (out / "site.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line: build the site into --out (default: site/ in the checkout)."""
    parser = argparse.ArgumentParser(description="Build Match's static site (run `npm ci` first).")
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="default: %(default)s")
    args = parser.parse_args(argv)
    out = build(args.out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"site built in {out} ({size / 1e6:.1f} MB); try: python -m http.server -d {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
