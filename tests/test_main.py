"""`python -m match`: the command line, its progress lines and its result."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from match.__main__ import Progress, build_parser, main, standardize

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_one_epoch_from_the_command_line() -> None:
    result = _python("-m", "match", "--epochs", "1", "--hidden", "16")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\r" not in out  # not a terminal: plain lines only
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 1
    assert re.search(
        r"epoch 1/1 +loss \d+\.\d{4} +train acc +\d+\.\d% +test acc +\d+\.\d% +"
        r"\d+\.\d s$",
        epoch_lines[0],
    )
    final = re.search(r"test accuracy: (\d+\.\d)% \((\d+)/360 digits\) in (\d+\.\d) s", out)
    assert final, out
    assert float(final.group(1)) > 70.0  # one epoch already reads most digits
    assert " 1 epoch, " in out  # not "1 epochs"


def test_a_closed_pipe_ends_quietly() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MATCH_ACCEL", None)
    run = subprocess.run(
        f"{sys.executable} -m match --epochs 1 --hidden 8 | head -1",
        shell=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.startswith("Match ") and run.stdout.count("\n") == 1
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


def test_help() -> None:
    result = _python("-m", "match", "--help")
    assert result.returncode == 0
    for option in (
        "--epochs",
        "--hidden",
        "--lr",
        "--seed",
        "--batch-size",
        "--accel",
        "--optimizer",
    ):
        assert option in result.stdout
    assert "%%" not in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "unrecognized arguments"),
        (["--epochs", "0"], "--epochs: must be at least 1"),
        (["--epochs", "two"], "--epochs: expected a whole number"),
        (["--lr", "-1"], "--lr: must be a positive number"),
        (["--lr", "nan"], "--lr: must be a positive number"),
        (["--accel", "tpu"], "invalid choice"),
        (["--optimizer", "lbfgs"], "invalid choice"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_unavailable_backend_exits_2() -> None:
    prelude = (
        "import runpy, sys; sys.modules['cupy'] = None; "
        "sys.argv = ['match', '--accel', 'cupy', '--epochs', '1']; "
        "runpy.run_module('match', run_name='__main__', alter_sys=True)"
    )
    result = _python("-c", prelude)
    assert result.returncode == 2
    assert "error" in result.stderr and "cupy" in result.stderr
    assert "Traceback" not in result.stderr
    assert "epoch" not in result.stdout  # nothing was trained


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.epochs, args.hidden, args.lr, args.batch_size, args.seed, args.accel) == (
        20,
        64,
        0.02,
        32,
        0,
        None,
    )


def test_default_recipe_reaches_95_percent() -> None:
    """The README's claim, checked with numpy kernels (the same math, ten times faster)."""
    pytest.importorskip("numpy")
    result = _python("-m", "match", "--accel", "numpy")
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"test accuracy: (\d+\.\d)%", result.stdout).group(1))
    assert accuracy >= 95.0, result.stdout
    assert "backend numpy" in result.stdout


def test_sgd_runs(capsys) -> None:
    assert main(["--epochs", "1", "--hidden", "8", "--optimizer", "sgd", "--lr", "0.1"]) == 0
    assert "optimizer sgd, learning rate 0.1" in capsys.readouterr().out


def test_progress_plain_lines() -> None:
    out = io.StringIO()
    progress = Progress(epochs=2, batches=3, stream=out)  # StringIO is not a terminal
    assert not progress.live
    for epoch in (1, 2):
        for done in (1, 2, 3):
            progress.batch(epoch, done, 0.5, 0.75)
        progress.epoch(epoch, 0.5, 0.75, 0.8)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert lines[0].startswith("epoch 1/2  loss 0.5000  train acc  75.0%  test acc  80.0%")


def test_progress_in_place_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(epochs=1, batches=4, stream=out, live=True)
    for done in range(1, 5):
        progress.batch(1, done, 1.0 / done, 0.25 * done)
    progress.epoch(1, 0.25, 1.0, 0.9)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one finished line per epoch
    assert text.count("\r") == 5  # each batch redraws the line, and so does the epoch's end
    assert "[##########..........]" in text  # half-way bar
    last = text.split("\r")[-1]
    assert last.startswith("epoch 1/1  loss 0.2500") and "test acc  90.0%" in last


def test_standardize_uses_training_statistics() -> None:
    train = [[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]]
    test = [[2.0, 3.0]]
    s_train, s_test = standardize(train, test)
    assert [round(r[0], 6) for r in s_train] == [round(-2 / 2.1, 6), 0.0, round(2 / 2.1, 6)]
    assert [r[1] for r in s_train] == [0.0, 0.0, 0.0]  # a constant column stays finite
    assert s_test == [[0.0, pytest.approx(2.0 / 0.1)]]


def test_demos_subcommand_works_from_a_source_checkout(tmp_path: Path) -> None:
    """Without `pip install .`, match.demos does not exist; the repository's demos/ is used."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "match", "demos"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "neuron" in done.stdout and "digits" in done.stdout
