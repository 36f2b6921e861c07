"""Write a student copy of Match whose backward closures are exercises.

`make(source, folder)` copies the package `source` (a `match/` folder) to `folder/match/`,
replacing the chosen closures' bodies by a TODO and a `raise NotImplementedError`. The forward,
the docstrings and everything else stay; no closure's text is written anywhere under `folder`
(no bytecode is copied or written), and the exercises go in the README's reading order.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .check import MANIFEST
from .source import Closure, blank, discover

# Not for students: maintainers' tools that hold or make answers (none today besides these).
LEFT_OUT = ("__pycache__", "*.pyc", "*.pyo")


@dataclass(frozen=True)
class Made:
    """What `make` wrote."""

    folder: Path
    exercises: list[Closure]

    def summary(self) -> str:
        """The lines `python -m match exercises make` prints."""
        n = len(self.exercises)
        first = self.exercises[0]
        where = self.folder / "match" / first.module
        return "\n".join(
            [
                f"{n} exercise{'s' if n != 1 else ''} in {self.folder / 'match'}",
                f"start with exercise 1, {first.name}: the TODO in {where} "
                f"(line {first.first}, in {first.function})",
                f"the list is in {self.folder / 'EXERCISES.md'}; grade your work with:",
                f"  cd {self.folder} && python -m match exercises check",
            ]
        )


def choose(
    closures: list[Closure], only: list[str] | None = None, levels: list[int] | None = None
) -> list[Closure]:
    """The exercises that `--only` (names or aliases) and `--level` keep, in order; a name
    that is no exercise is a ValueError naming the valid ones."""
    if only:
        known = {c.name for c in closures} | {a for c in closures for a in c.aliases}
        unknown = [n for n in only if n not in known]
        if unknown:
            raise ValueError(
                f"no exercise called {', '.join(unknown)}; choose from: "
                + ", ".join(c.name for c in closures)
            )
        closures = [c for c in closures if c.name in only or set(c.aliases) & set(only)]
    if levels:
        closures = [c for c in closures if c.level in levels]
    if not closures:
        raise ValueError("no exercise left: --only and --level exclude them all")
    return closures


def make(
    source: Path,
    folder: Path,
    only: list[str] | None = None,
    levels: list[int] | None = None,
) -> Made:
    """Write the student copy of package `source` into `folder/match/` (folder/match must not
    exist yet), with an EXERCISES.md beside it."""
    chosen = choose(discover(source), only, levels)
    target = folder / "match"
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose a new folder")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*LEFT_OUT))
    numbers = {c.name: k for k, c in enumerate(chosen, start=1)}
    for module in sorted({c.module for c in chosen}):
        path = target / module
        path.write_text(blank(path.read_text(encoding="utf-8"), module, numbers), "utf-8")
    # the line numbers of the copy, where the TODOs now are
    in_copy = {c.name: c for c in discover(target)}
    chosen = [in_copy[c.name] for c in chosen]
    manifest = {"exercises": [c.name for c in chosen]}
    (target / "exercises" / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    (folder / "EXERCISES.md").write_text(guide(chosen), encoding="utf-8")
    return Made(folder, chosen)


def guide(chosen: list[Closure]) -> str:
    """EXERCISES.md: how to work, and the exercises in order."""
    lines = [
        "# Exercises: write Match's backward closures",
        "",
        "Each exercise is the `backward(g)` closure of one operation: it receives `g`, the",
        "gradient of the loss with respect to the operation's output, and adds each input's",
        "share, `g` times the local derivative, to that input's gradient with `_accumulate`",
        "(one call per input). Read `match/autograd.py` first, then the forward of each",
        "operation, just above its TODO. Find a TODO by searching for `TODO exercise`.",
        "",
        "Grade your work from this folder (no torch or numpy needed):",
        "",
        "    python -m match exercises check              # every exercise",
        "    python -m match exercises check --only mul   # one",
        "",
        "A failing exercise says what looks wrong: the sign, a factor, a missing input, a",
        "gradient overwritten instead of accumulated, a transposed product, a broadcast input",
        "not summed back, or the output used where the input belongs.",
        "",
        "| # | exercise | level | where |",
        "| --- | --- | --- | --- |",
    ]
    for k, c in enumerate(chosen, start=1):
        also = f" (also {', '.join(c.aliases)})" if c.aliases else ""
        lines.append(f"| {k} | `{c.name}`{also} | {c.level} | `match/{c.module}`, `{c.function}` |")
    return "\n".join(lines) + "\n"
