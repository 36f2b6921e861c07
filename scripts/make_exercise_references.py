"""Write match/exercises/reference.json: torch's values and gradients for every exercise's trials.

The grader (`python -m match exercises check`) needs neither torch nor numpy: it compares a
student's gradients with these stored numbers. Run this (torch needed) after adding an exercise
or changing a case in match/exercises/cases.py:

    python scripts/make_exercise_references.py          # rewrite the file
    python scripts/make_exercise_references.py --check  # exit 1 if the file is not current

tests/test_exercises.py runs the check. Every stored gradient is also compared with finite
differences of Match's forward there, so the references are backed twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from match.exercises.cases import Trial, trials_for, upstream  # noqa: E402
from match.exercises.check import REFERENCE, input_values  # noqa: E402
from match.exercises.source import discover  # noqa: E402


def torch_trial(torch: Any, trial: Trial, values: dict[str, list[list[float]]]) -> dict[str, Any]:
    """The value and the input gradients of one trial, computed by torch in float64."""
    names = {s.name for s in trial.inputs}
    tensors = {
        n: torch.tensor(v, dtype=torch.float64, requires_grad=n in names) for n, v in values.items()
    }
    out = eval(trial.torch, {"torch": torch, **tensors})  # noqa: S307
    g = torch.tensor(upstream(*out.shape), dtype=torch.float64)
    out.backward(g)
    return {
        "value": out.detach().tolist(),
        "grads": [tensors[s.name].grad.tolist() for s in trial.inputs],
    }


def build() -> dict[str, Any]:
    """The reference file's content, from the exercises found in match/."""
    import torch

    exercises = {}
    for closure in discover(ROOT / "match"):
        trials = trials_for(closure.name, closure.function, closure.params)
        if trials:
            exercises[closure.name] = [
                torch_trial(torch, t, input_values(t, k)) for k, t in enumerate(trials)
            ]
    return {
        "about": "made by scripts/make_exercise_references.py with torch (float64); do not edit",
        "exercises": exercises,
    }


def render(content: dict[str, Any]) -> str:
    """The file's text: one line per trial, so that a diff shows which ones changed."""
    lines = ["{", f'  "about": {json.dumps(content["about"])},', '  "exercises": {']
    names = list(content["exercises"])
    for i, name in enumerate(names):
        trials = content["exercises"][name]
        lines.append(f"    {json.dumps(name)}: [")
        for k, trial in enumerate(trials):
            comma = "," if k < len(trials) - 1 else ""
            lines.append(f"      {json.dumps(trial)}{comma}")
        lines.append("    ]" + ("," if i < len(names) - 1 else ""))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the file, or with --check say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = REFERENCE.is_file() and REFERENCE.read_text(encoding="utf-8") == text
        print(f"{REFERENCE.relative_to(ROOT)}: {'current' if current else 'stale: rerun me'}")
        return 0 if current else 1
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
