"""pytest setup: `--backend NAME` runs the whole suite on one backend of `match.accel`.

    pytest                     # pure Python (or whatever MATCH_ACCEL says)
    pytest --backend numpy     # every test on numpy arrays
    MATCH_ACCEL=numpy pytest   # the same, chosen when match is imported

The backend is switched in pytest_configure, before any test module builds a matrix. A backend
that is not installed stops the run with the RuntimeError that says what to install.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --backend."""
    parser.addoption(
        "--backend",
        action="store",
        default=None,
        choices=("python", "numpy", "cupy"),
        help="run the tests with this match.accel backend (default: MATCH_ACCEL, else python)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Switch to the chosen backend before tests are collected."""
    import match.accel

    name = config.getoption("--backend")
    if name is not None:
        try:
            match.accel.use(name)
        except RuntimeError as error:
            raise pytest.UsageError(str(error)) from error


def pytest_report_header(config: pytest.Config) -> str:
    """Say which backend the run uses."""
    import match.accel

    return f"match backend: {match.accel.current()}"


try:  # hypothesis is a test requirement, but the torch-free, hypothesis-free suite still runs
    from hypothesis import settings
except ImportError:  # pragma: no cover - tests/test_properties.py skips itself then
    settings = None
if settings is not None:
    # "ci" (the default): derandomised, so every run tries the same programs and a failure
    # repeats; HYPOTHESIS_PROFILE=dev explores new random programs on each run.
    settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
    settings.register_profile("dev", max_examples=500, deadline=None)
    import os as _os

    settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))
