"""Per-thread state with real threads: no_grad, enable_grad, accel.using and trace switch only the
thread that enters them, as torch's grad mode does (issue 10, item 1).

Each test runs two threads in lock step with barriers, so the interleaving is fixed, not timed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

import match
from match import accel


def run_in_threads(*bodies: Callable[[threading.Barrier], None]) -> None:
    """Run each body in its own thread with one shared barrier; re-raise the first failure."""
    barrier = threading.Barrier(len(bodies), timeout=30)
    errors: list[BaseException] = []

    def wrap(body: Callable[[threading.Barrier], None]) -> Callable[[], None]:
        def target() -> None:
            try:
                body(barrier)
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                errors.append(error)
                barrier.abort()

        return target

    threads = [threading.Thread(target=wrap(body)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def records_grad(x: match.Matrix) -> bool:
    """Whether an op on x is recorded in this thread right now."""
    return (x * 2.0).requires_grad


def test_no_grad_in_one_thread_leaves_the_other_recording() -> None:
    seen: dict[str, bool] = {}

    def evaluator(barrier: threading.Barrier) -> None:
        x = match.ones(2, 2, requires_grad=True)
        with match.no_grad():
            barrier.wait()  # 1: the trainer runs while this block is open
            barrier.wait()  # 2
            seen["evaluator"] = records_grad(x)
        seen["evaluator after"] = records_grad(x)

    def trainer(barrier: threading.Barrier) -> None:
        x = match.ones(2, 2, requires_grad=True)
        barrier.wait()  # 1
        seen["trainer"] = match.is_grad_enabled() and records_grad(x)
        loss = (x * x).sum()
        loss.backward()
        seen["trainer grad"] = x.grad is not None
        barrier.wait()  # 2

    run_in_threads(evaluator, trainer)
    assert seen == {
        "evaluator": False,
        "evaluator after": True,
        "trainer": True,
        "trainer grad": True,
    }


def test_interleaved_no_grad_blocks_restore_each_thread() -> None:
    seen: dict[str, bool] = {}

    def first(barrier: threading.Barrier) -> None:
        with match.no_grad():
            barrier.wait()  # 1: both blocks open
        barrier.wait()  # 2: first closed, second still open
        seen["first"] = match.is_grad_enabled()
        barrier.wait()  # 3

    def second(barrier: threading.Barrier) -> None:
        with match.no_grad():
            barrier.wait()  # 1
            barrier.wait()  # 2
        barrier.wait()  # 3
        seen["second"] = match.is_grad_enabled()

    run_in_threads(first, second)
    assert seen == {"first": True, "second": True}
    assert match.is_grad_enabled()


def test_enable_grad_in_one_thread_does_not_reach_a_no_grad_thread() -> None:
    seen: dict[str, bool] = {}

    def inside_no_grad(barrier: threading.Barrier) -> None:
        with match.no_grad():
            barrier.wait()  # 1: the other thread enters enable_grad
            barrier.wait()  # 2
            seen["no_grad thread"] = match.is_grad_enabled()

    def inside_enable_grad(barrier: threading.Barrier) -> None:
        barrier.wait()  # 1
        with match.enable_grad():
            seen["enable_grad thread"] = match.is_grad_enabled()
            barrier.wait()  # 2

    run_in_threads(inside_no_grad, inside_enable_grad)
    assert seen == {"no_grad thread": False, "enable_grad thread": True}


def test_new_threads_start_with_recording_on() -> None:
    seen: list[bool] = []
    with match.no_grad():
        thread = threading.Thread(target=lambda: seen.append(match.is_grad_enabled()))
        thread.start()
        thread.join(30)
    assert seen == [True]


def test_accel_using_is_per_thread() -> None:
    pytest.importorskip("numpy")
    start = accel.current()
    other = "numpy" if start == "python" else "python"
    seen: dict[str, str] = {}

    def switcher(barrier: threading.Barrier) -> None:
        with accel.using(other):
            barrier.wait()  # 1
            seen["switcher"] = match.ones(1, 1).data.backend
            barrier.wait()  # 2
        seen["switcher after"] = accel.current()

    def bystander(barrier: threading.Barrier) -> None:
        barrier.wait()  # 1
        seen["bystander"] = match.ones(1, 1).data.backend
        barrier.wait()  # 2

    run_in_threads(switcher, bystander)
    assert seen == {"switcher": other, "switcher after": start, "bystander": start}
    assert accel.current() == start


def test_trace_logs_only_the_thread_that_asked() -> None:
    logger = logging.getLogger("match.trace")
    threads_logged: set[str] = set()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            threads_logged.add(record.threadName)

    collector = Collect()
    logger.addHandler(collector)
    try:

        def traced(barrier: threading.Barrier) -> None:
            x = match.ones(2, 2, requires_grad=True)
            with match.trace():
                barrier.wait()  # 1: the other thread runs backward while this trace is open
                barrier.wait()  # 2
                (x * 3.0).sum().backward()

        def untraced(barrier: threading.Barrier) -> None:
            x = match.ones(2, 2, requires_grad=True)
            barrier.wait()  # 1
            (x * 3.0).sum().backward()
            barrier.wait()  # 2

        barrier = threading.Barrier(2, timeout=30)
        workers = [
            threading.Thread(name="traced", target=traced, args=(barrier,)),
            threading.Thread(name="untraced", target=untraced, args=(barrier,)),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    finally:
        logger.removeHandler(collector)
    assert threads_logged == {"traced"}


def test_many_threads_train_while_others_evaluate() -> None:
    """The audit's scenario: evaluation under no_grad in some threads never breaks training in
    the others."""
    failures: list[str] = []

    def train(barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(50):
            w = match.ones(3, 3, requires_grad=True)
            (w @ w).sum().backward()
            if w.grad is None:
                failures.append("no gradient")

    def evaluate(barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(50):
            with match.no_grad():
                w = match.ones(3, 3, requires_grad=True)
                if (w @ w).requires_grad:
                    failures.append("recorded under no_grad")

    run_in_threads(train, evaluate, train, evaluate)
    assert failures == []
