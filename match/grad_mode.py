"""Per-thread switches that shape what autograd records: gradient mode and the backward hook.

Kept out of `autograd.py` so that the core reads from `Node` down. Each thread has its own
switches, as torch keeps grad mode per thread: `no_grad` in one thread never stops another
from recording.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Switches(threading.local):
    """Each thread starts recording, with no backward hook."""

    grad_enabled = True
    step_hook: Callable[[Any], None] | None = None  # called with each node backward visits


_switches = _Switches()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad` (in this thread)."""
    return _switches.grad_enabled


def step_hook() -> Callable[[Any], None] | None:
    """The function backward calls with each node before running its closure, or None."""
    return _switches.step_hook


class _GradMode:
    """Sets gradient recording for a `with` block or a decorated function, then restores it."""

    enabled: bool

    def __enter__(self) -> None:
        self._previous = _switches.grad_enabled
        _switches.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _switches.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        """As a decorator: every call of fn runs in this mode."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record no graph: for evaluation and parameter updates. `with match.no_grad(): ...`"""

    enabled = False


class enable_grad(_GradMode):
    """Record the graph, even inside `no_grad` (as torch.enable_grad)."""

    enabled = True


@contextmanager
def step_hook_set(hook: Callable[[Any], None] | None) -> Iterator[None]:
    """Call hook(node) for each node backward visits, in this thread, inside the block."""
    previous = _switches.step_hook
    _switches.step_hook = hook
    try:
        yield
    finally:
        _switches.step_hook = previous


@contextmanager
def trace(enabled: bool = True) -> Iterator[Any]:
    """Log each step of backward (op and shapes) to the 'match.trace' logger, in this thread.

    `with match.trace(): loss.backward()`. Without logging configured, the lines go to standard
    error. Off, it costs backward one attribute read; `logging` is imported only when used.
    """
    import logging

    logger = logging.getLogger("match.trace")
    handler = None
    if enabled and not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)

    def log_step(node: Any) -> None:
        kinds = ("leaf" if m.requires_grad else "constant" for m in node._inputs)
        inputs = ", ".join(f"{m.op or kind} {m.data.shape}" for m, kind in zip(node._inputs, kinds))
        logger.info("backward %s %s -> %s", node.op, node.data.shape, inputs)

    try:
        with step_hook_set(log_step if enabled else None):
            yield logger
    finally:
        logger.setLevel(old_level)
        if handler is not None:
            logger.removeHandler(handler)


__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "step_hook", "step_hook_set", "trace"]
