"""The command line's edges: what `python -m match` and the demos do when their output cannot be
written (a reader that leaves, a closed stdout, a full disk), when a run cannot fit in memory or
diverges, and what its help and its mistakes say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from match.__main__ import check_memory, main, memory_needed

ROOT = Path(__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MATCH_DEMO_QUICK="1", **extra)
    env.pop("MATCH_ACCEL", None)
    env.pop("MATCH_DEMO_PLOT_DIR", None)
    return env


def _shell(command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a shell command line with this Python as `python`."""
    return subprocess.run(
        command.replace("python ", f"{sys.executable} ", 1),
        shell=True,
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# -- pipes: a reader that leaves early ends the run quietly -------------------------------------


@POSIX
@pytest.mark.parametrize(
    "command",
    [
        "python -m match demos digits | head -2",
        "python demos/demo_linear.py | head -2",
        "python -m match --help | head -1",
        "python -m match demos | head -1",
    ],
)
def test_a_reader_that_leaves_early_gets_no_traceback(command: str, tmp_path: Path) -> None:
    result = _shell(command.replace("demos/", f"{ROOT}/demos/"), cwd=tmp_path)
    assert result.stdout.count("\n") in (1, 2), result.stdout
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert not list(tmp_path.iterdir())  # and no plots left behind by the quick demo


# -- stdout that cannot be written, memory, divergence (issue 21) --------------------------------


@POSIX
def test_a_closed_stdout_is_one_line_and_status_2() -> None:
    _one_line_error(
        _shell("python -m match --epochs 1 --hidden 8 >&-"), "standard output is closed"
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_stdout_is_one_line_and_status_2() -> None:
    _one_line_error(
        _shell("python -m match --epochs 1 --hidden 8 > /dev/full"),
        "cannot write to standard output",
        "No space left",
    )
    _one_line_error(_shell("python -m match demos linear > /dev/full"), "standard output")


def test_a_model_too_big_for_the_machine_is_refused_before_training() -> None:
    result = _shell("python -m match --hidden 100000000")
    _one_line_error(result, "--hidden 100000000 needs at least", "GB of memory")
    assert "epoch" not in result.stdout


@POSIX
def test_a_model_too_big_for_a_memory_cap_is_refused() -> None:
    # 1 GB of address space: enough for Python and the default run, not for 10^6 hidden units
    result = _shell("ulimit -v 1000000 && python -m match --hidden 1000000")
    _one_line_error(result, "--hidden 1000000 needs at least", "may use 1.0 GB")


def test_the_estimate_lets_ordinary_runs_through() -> None:
    small = memory_needed(64, 32, "python")
    assert 1e5 < small < 1e7  # a few MB
    assert memory_needed(64, 32, "numpy") == small // 4
    args = type("Args", (), {"hidden": 64, "batch_size": 32})()
    assert check_memory(args, "python") is None


def test_a_memory_error_while_training_is_one_line(monkeypatch, capsys) -> None:
    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("match.__main__.train", out_of_memory)
    with pytest.raises(SystemExit) as exit_info:
        main(["--hidden", "4000"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory with --hidden 4000" in err


def test_a_diverging_run_warns_and_stops() -> None:
    result = _shell("python -m match --lr 1e308 --epochs 3 --hidden 8")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "warning: the loss became nan" in result.stderr, result.stderr
    assert "--lr" in result.stderr and result.stderr.count("\n") == 1
    assert "epoch 3/3" not in result.stdout  # it stopped
    assert "test accuracy:" in result.stdout


# -- help and mistakes ---------------------------------------------------------------------------


def test_help_names_both_forms_and_explains_the_loss() -> None:
    result = _shell("python -m match --help")
    assert result.returncode == 0
    usage = result.stdout.split("\n\n")[0]
    assert "python -m match [-h] [--epochs N]" in usage
    assert "python -m match demos [NAME] [--quick]" in usage
    assert "label smoothing" in result.stdout


def test_the_header_explains_the_schedule_and_the_loss(capsys) -> None:
    assert main(["--epochs", "1", "--hidden", "8"]) == 0
    out = capsys.readouterr().out
    assert "learning rate 0.02 falling to 0 along a cosine curve" in out
    assert "label smoothing 0.3, which levels off near 1.2, not 0" in out


def test_a_mistyped_command_suggests_demos(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown command 'demo' (did you mean 'demos'?)" in err
    assert "unrecognized arguments" not in err


def test_unknown_demos_are_listed_by_their_short_names(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["demos", "lineer"])
    err = capsys.readouterr().err
    assert "(did you mean 'linear'?)" in err
    assert "choose from: linear, neuron, backprop, classifier, digits, sequence" in err
    assert "demo_" not in err.split("choose from:")[1]


def test_demos_are_listed_in_reading_order(capsys) -> None:
    assert main(["demos"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[:6]]
    assert names == ["linear", "neuron", "backprop", "classifier", "digits", "sequence"]


def test_demo_output_as_a_script_has_its_headings(capsys) -> None:
    assert main(["demos", "linear", "--quick"]) == 0
    out = capsys.readouterr().out
    first, second = out.index("The training loop, written out\n---"), out.index("The same in 2D")
    assert out.index("The data\n") < first < second


def test_demo_plots_are_saved_in_the_current_folder(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = _shell("python -m match demos linear --quick", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo_linear_1d.png").is_file()
