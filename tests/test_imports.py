"""How match imports: the layering promise (each module imports only modules of its own layer or
below, so there is no import cycle, and only the backend's array module knows numpy and cupy),
`import match` leaving numpy, cupy, matplotlib and the slow standard modules for later, and the
import paths of the subpackages (match.nn.functional, utils, init, match.optim.lr_scheduler)."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import match
from match import nn, optim
from match.optim import lr_scheduler

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "match"

# Bottom up. A module may import its own layer or lower ones, never a higher one.
LAYERS = [
    {"checks"},  # the argument checks import nothing from Match
    {"shapes"},  # 2D shapes and indices, on the checks
    {"backend"},
    {"list2d"},
    {"grad_mode"},
    {"autograd"},
    {"matrix", "torch_surface"},
    {"creation", "functions"},
    {"nn", "optim", "tools", "serialize", "data", "plotting", "accel", "exercises"},
    {"__init__", "__main__", "demos"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for level, names in enumerate(LAYERS):
        if top in names:
            return level
    raise AssertionError(f"match.{module} is in no layer of tests/test_imports.py: add it")


def imports_of(path: Path) -> list[str]:
    """The match modules a file imports (relative imports resolved), lazy ones included."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    package = parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level + 1])
            target = ".".join(base + ([node.module] if node.module else []))
            names = (
                [target] if node.module else [f"{target}.{a.name}".strip(".") for a in node.names]
            )
            found += [n for n in names if n]
        elif isinstance(node, ast.Import):
            found += [a.name[len("match.") :] for a in node.names if a.name.startswith("match.")]
    return found


def test_no_module_imports_a_layer_above_it() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for target in imports_of(path):
            assert layer_of(target) <= layer_of(module), f"match.{module} imports match.{target}"


def test_only_the_array_backend_names_numpy_or_cupy() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in ("numpy", "cupy", "torch"):
                    assert path.name == "array.py", f"{path} imports {name}"


def test_import_match_imports_no_numpy_and_no_cycle() -> None:
    code = (
        "import sys, match\n"
        "print('numpy' in sys.modules, 'cupy' in sys.modules, 'matplotlib' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "MATCH_ACCEL"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "False", "False"]


def test_import_match_leaves_slow_modules_for_later() -> None:
    code = (
        "import sys, match\n"
        "later = {'json', 'pathlib', 'logging', 'subprocess', 'shutil', 'importlib.resources',\n"
        "         'match.serialize', 'match.tools.viz'}\n"
        "print(sorted(later & set(sys.modules)))\n"
        "from match import save, load\n"
        "print(callable(save) and match.load is load, 'match.serialize' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)
    # -S: no site module, which may import some of these itself (through .pth files)
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True True"]


# --- import paths: the subpackages are what their parents name -----------------------------------


def test_nn_import_paths() -> None:
    F = importlib.import_module("match.nn.functional")
    assert nn.functional is F and F.cross_entropy is nn.functional.cross_entropy
    assert nn.utils is importlib.import_module("match.nn.utils")
    assert nn.init is importlib.import_module("match.nn.init")
    from match.nn.utils import clip_grad_norm_

    assert clip_grad_norm_ is nn.utils.clip_grad_norm_ is nn.clip_grad_norm_
    for name in nn.__all__:
        assert getattr(nn, name) is not None, name


def test_lr_scheduler_import_paths() -> None:
    for name in lr_scheduler.__all__:
        assert getattr(optim, name) is getattr(lr_scheduler, name)
    assert match.optim.lr_scheduler is lr_scheduler
