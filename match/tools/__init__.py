"""The learning tools: code that helps you check, extend and look at a model, not train it.

Read the file for what you want to do:

- `gradcheck.py`: is my backward right? Compares it with finite differences (`match.gradcheck`).
- `function.py`: add an op with a hand-written backward (`match.Function`), trade compute for
  memory (`match.checkpoint`), or get gradients as return values (`match.grad`,
  `match.value_and_grad`).
- `viz.py`: see the compute graph as a text tree or Graphviz drawing (`match.viz`, imported
  on first use so that `import match` stays cheap).
- `summary.py`: a table of a model's layers, shapes and parameter counts (`match.nn.summary`).
- `backprop.py`: step through backward node by node (`match.tools.trace_backward`).

Nothing in the training path imports these modules.
"""

from typing import Any

# No __all__: the API reference documents every tool module below this package.
_LAZY = ("BackwardTrace", "trace_backward")


def __getattr__(name: str) -> Any:
    """`trace_backward` and `BackwardTrace` (in `backprop.py`) are imported on first use, so
    that `import match` does not load them."""
    if name in _LAZY:
        from . import backprop

        value = getattr(backprop, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
