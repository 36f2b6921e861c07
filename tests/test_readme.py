"""Every code block in README.md runs as written (or, for excerpts, still matches the source)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
EXCERPT = "# excerpt: "


def python_blocks() -> list[str]:
    """The README's python blocks, dedented, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for indent, body in FENCE.findall(text):
        lines = [line[len(indent) :] for line in body.splitlines()]
        blocks.append("\n".join(lines) + "\n")
    return blocks


def stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_readme_has_blocks() -> None:
    assert len(python_blocks()) >= 5


def test_excerpts_match_the_source() -> None:
    for block in python_blocks():
        if not block.startswith(EXCERPT):
            continue
        first, _, body = block.partition("\n")
        source = (ROOT / first[len(EXCERPT) :].strip()).read_text(encoding="utf-8")
        wanted, have = stripped_lines(body), stripped_lines(source)
        found = any(have[i : i + len(wanted)] == wanted for i in range(len(have)))
        assert found, f"README excerpt no longer matches {first}:\n{body}"


def test_code_blocks_run(tmp_path: Path) -> None:
    try:
        import torch  # noqa: F401  (only the export-to-torch example needs it)

        have_torch = True
    except ImportError:
        have_torch = False
    namespace: dict[str, object] = {"__name__": "__readme__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)  # blocks that save files write them here
    try:
        for block in python_blocks():
            if block.startswith(EXCERPT) or ("import torch" in block and not have_torch):
                continue
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                exec(compile(block, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)


def test_the_list_of_operations_matches_the_code() -> None:
    """Every public Matrix method and every function of `match` is named in the README (the
    torch names in "Coming from PyTorch")."""
    import match
    from match.matrix import Matrix

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What there is") : text.index("## Train a digit reader")]
    section += text[text.index("## Coming from PyTorch") : text.index("## How it works")]
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", section))
    methods = {
        name
        for name in dir(Matrix)
        if not name.startswith("_") and name not in {"data", "grad", "name", "op", "vals"}
    }
    not_ops = {"requires_grad", "requires_grad_", "is_leaf", "zero_grad", "detach", "to_backend"}
    not_ops |= {"backward", "shape", "nrow", "ncol", "T", "double"}
    missing = sorted(name for name in methods - not_ops if name not in words)
    assert not missing, f"README 'What there is' does not mention Matrix.{missing}"
    ops = {"cat", "maximum", "minimum", "where", "mat", "zeros", "ones", "full", "randn", "rand"}
    ops |= {"eye", "zeros_like", "ones_like", "manual_seed", "tensor", "arange", "stack"}
    ops |= {"multinomial", "tril", "triu"}
    assert ops <= set(match.__all__)
    assert not sorted(ops - words)
