"""Exercises made from Match's own source: write the backward closures, graded offline.

    python -m match exercises make DIR        # a student copy: DIR/match with closures blanked
    python -m match exercises check [DIR...]  # grade the Match in DIR (default: here)
    python -m match exercises list            # the exercises, in reading order

`source` finds the closures by parsing the source (a new primitive written in the usual shape
becomes an exercise by itself), `make` writes the copy, `check` grades one, `cases` says what each
check runs. Nothing here imports the rest of Match: the grader is handed the package to grade.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # the match/ folder this grader belongs to


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m match exercises`."""
    parser = argparse.ArgumentParser(
        prog="python -m match exercises",
        description="Exercises from Match's source: write the backward closures of its "
        "operations, graded offline (no torch or numpy needed).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make", help="write a student copy: DIR/match with closures blanked")
    make.add_argument("dir", help="the folder to write (DIR/match must not exist yet)")
    check = sub.add_parser("check", help="grade the Match found in DIR (default: here)")
    check.add_argument("dirs", nargs="*", default=["."], metavar="DIR", help="folders to grade")
    for p in (make, check):
        p.add_argument(
            "--only",
            type=_names,
            action="extend",
            metavar="NAMES",
            help="only these exercises, comma separated (e.g. mul,div)",
        )
    make.add_argument(
        "--level",
        type=int,
        action="append",
        choices=(1, 2, 3),
        help="only exercises of this level (1: one input, 2: several, 3: dims, shapes, "
        "indexing); repeat for several",
    )
    sub.add_parser("list", help="the exercises in reading order, with their levels")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run `python -m match exercises ...`; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.command == "list":
        from .source import discover

        for k, c in enumerate(discover(PACKAGE), start=1):
            print(f"{k:>2}  {c.name:<34} level {c.level}  match/{c.module}  {c.function}")
        return 0
    if args.command == "make":
        from .make import make

        sub = "python -m match exercises make"
        try:
            made = make(PACKAGE, Path(args.dir), args.only, args.level)
        except (ValueError, FileExistsError, OSError) as error:
            parser.exit(2, f"{sub}: error: {error}\n")
        print(made.summary())
        return 0
    return check_folders(args.dirs, args.only)


def check_folders(dirs: list[str], only: list[str] | None) -> int:
    """Grade each folder's Match in this process; 0 iff every exercise of every folder passes."""
    from .check import grade, loaded, report

    sub = "python -m match exercises check"
    status = 0
    scores = []
    for name in dirs:
        folder = Path(name)
        if not (folder / "match" / "__init__.py").is_file():
            print(f"{sub}: error: no match/ package in {os.path.abspath(name)}", file=sys.stderr)
            status = 2
            continue
        if len(dirs) > 1:
            print(f"== {name}")
        try:
            with loaded(folder) as lib:
                results = grade(lib, only)
        except Exception as error:  # a copy that does not even import
            print(f"FAIL import: {type(error).__name__}: {error}\nscore: 0/?")
            scores.append((name, "0/?"))
            status = status or 1
            continue
        print(report(results), flush=True)
        passed = sum(r.passed for r in results)
        scores.append((name, f"{passed}/{len(results)}"))
        if passed != len(results) or not results:
            status = status or 1
    if len(dirs) > 1:
        print("== scores")
        for name, score in scores:
            print(f"{score:>7}  {name}")
    return status
