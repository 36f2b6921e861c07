"""Build a JupyterLite site: the demos as notebooks, run by a Python kernel in the browser.

    npm ci                                              # once: the pinned Pyodide
    python3.13 -m venv .venv-lite                       # once: Python 3.12 or newer
    .venv-lite/bin/pip install -r requirements-lite.txt
    python scripts/build_lite.py                        # writes lite/ (or: --out DIR)

JupyterLite's own tools (requirements-lite.txt, pinned) need Python 3.12+, so they live in their
own virtual environment (--venv, default .venv-lite); this script runs under any Python that
runs Match. It stages a JupyterLite project in a temporary folder and runs `jupyter lite build`
on it:

- static/pyodide: the npm Pyodide (the version jupyterlite-pyodide-kernel expects), with its
  package list emptied, exactly as the static site ships it (build_site.copy_pyodide);
- a wheel of Match (build_site.build_wheel), which `--pyodide-lock` puts into a new Pyodide lock
  next to the kernel's own wheels, and which the kernel loads as it starts: `import match`
  works at once, with no network and no `%pip install`;
- files/: every demo converted by jupytext from its percent script into a notebook whose
  kernel is `python`, the name of the Pyodide kernel.

The kernel's pure-Python dependencies (IPython and friends) are resolved by uv for Pyodide,
pinned by lite-kernel-constraints.txt; uv downloads them into its cache (from PyPI, or
UV_INDEX_URL), and `--offline` builds from that cache alone. The output loads nothing from
outside its folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import build_site

ROOT = build_site.ROOT
DEFAULT_VENV = ROOT / ".venv-lite"
KERNEL_CONSTRAINTS = ROOT / "lite-kernel-constraints.txt"
# The Pyodide kernel's name: a notebook that names another kernel opens a kernel picker.
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"
# Loaded as the kernel starts. Naming micropip and piplite here also stops the kernel from
# installing them itself, from Pyodide's CDN.
PREFETCH = ["micropip", "piplite", "jedi", "match-autodiff"]  # Match's distribution name


def lite_tool(venv: Path, name: str) -> Path:
    """A command of the lite virtual environment; exits with the setup steps when it is missing."""
    path = venv / "bin" / name
    if not path.is_file():
        sys.exit(
            f"build_lite: {path} is missing; make the environment with Python 3.12 or newer:\n"
            f"  python3.13 -m venv {venv}\n"
            f"  {venv}/bin/pip install -r {ROOT / 'requirements-lite.txt'}"
        )
    return path


def write_notebooks(venv: Path, into: Path) -> list[str]:
    """Each demo as a notebook in `into`, converted by jupytext; returns their file names."""
    into.mkdir(parents=True)
    scripts = []
    for path, _summary in build_site.load_demos_module().find().values():
        scripts.append(into / path.name)
        shutil.copy2(path, scripts[-1])
    metadata = json.dumps({"kernelspec": KERNELSPEC})
    command = [lite_tool(venv, "jupytext"), "--to", "ipynb", "--update-metadata", metadata]
    result = subprocess.run([*command, *scripts], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"build_lite: converting the demos failed:\n{result.stdout}\n{result.stderr}")
    for script in scripts:
        script.unlink()
    return sorted(script.with_suffix(".ipynb").name for script in scripts)


def write_config(project: Path, out: Path, wheel: Path, quick: bool, offline: bool) -> None:
    """jupyter_lite_config.json (how to build) and jupyter-lite.json (what the page is told)."""
    build_config = {
        "LiteBuildConfig": {
            "contents": ["files"],
            "output_dir": str(out),
            "no_sourcemaps": True,
        },
        "PyodideLockAddon": {
            "enabled": True,
            "wheels": [wheel.name],
            "specs": ["micropip"],
            "constraints": [f"-r {KERNEL_CONSTRAINTS}"],
            "prefetch_extra": PREFETCH,
            # uv --offline: the kernel's wheels from uv's cache only, filled by an earlier build
            "pyodide_lock_uv_options": {"extra_uv_args": ["--offline"] if offline else []},
        },
    }
    kernel: dict[str, object] = {"disablePyPIFallback": True}  # piplite: no PyPI either
    if quick:
        kernel["loadPyodideOptions"] = {"env": {"MATCH_DEMO_QUICK": "1"}}
    page_config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            # jupytext (for the conversion) brings a lab extension the site does not need
            "disabledExtensions": ["jupyterlab-jupytext"],
            "litePluginSettings": {KERNEL_SETTINGS: kernel},
        },
    }
    for name, config in [
        ("jupyter_lite_config.json", build_config),
        ("jupyter-lite.json", page_config),
    ]:
        (project / name).write_text(json.dumps(config, indent=1), encoding="utf-8")


def build(out: Path, venv: Path = DEFAULT_VENV, quick: bool = False, offline: bool = False) -> Path:
    """Write the JupyterLite site into `out` (emptied first); returns `out`.

    With `quick`, the kernel starts with MATCH_DEMO_QUICK=1, so the demos run in seconds (the
    tests use it; a class wants the full demos). With `offline`, uv takes the kernel's wheels
    from its cache and never asks an index (the first build needs one: PyPI, or UV_INDEX_URL).
    """
    jupyter = lite_tool(venv, "jupyter")
    out = build_site.emptied(out, "build_lite")
    with tempfile.TemporaryDirectory(prefix="match-lite-") as tmp:
        project = Path(tmp)
        build_site.copy_pyodide(project / "static" / "pyodide")
        wheel = build_site.build_wheel(project)
        write_notebooks(venv, project / "files")
        write_config(project, out, wheel, quick, offline)
        result = subprocess.run(
            [jupyter, "lite", "build", "--lite-dir", project],
            cwd=project,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not (out / "jupyter-lite.json").is_file():
            sys.exit(f"build_lite: jupyter lite build failed:\n{result.stdout}\n{result.stderr}")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line: build the JupyterLite site into --out (default: lite/ in the checkout)."""
    parser = argparse.ArgumentParser(
        description="Build Match's JupyterLite site (run `npm ci` and make .venv-lite first)."
    )
    parser.add_argument("--out", type=Path, default=ROOT / "lite", help="default: %(default)s")
    parser.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        help="the Python 3.12+ environment with requirements-lite.txt (default: %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="run the demos small (MATCH_DEMO_QUICK=1)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="the kernel's wheels from uv's cache only"
    )
    args = parser.parse_args(argv)
    out = build(args.out, args.venv, args.quick, args.offline)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(
        f"JupyterLite site built in {out} ({size / 1e6:.1f} MB); try: "
        f"python -m http.server -d {out}, then open http://localhost:8000/lab/index.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
