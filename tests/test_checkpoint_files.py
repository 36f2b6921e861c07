"""Checkpoint files written by `match.save`, tried as a hostile user and a long-running trainer
would: links planted at temporary names, concurrent savers and readers, a disk that fills up or
a write that fails half way, permissions, long names, fsync, the format version, and the state
that a resumed run needs (schedulers, the random generator, torch's optimizer state)."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import match
from match import nn, optim, serialize
from match.serialize import FORMAT_VERSION, load, save

STATE = {"weight": [[1.0, 2.0], [3.0, 4.0]], "step": 3}
OLD = {"old": [[9.0]]}


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    """Files in directory other than keep (a temporary file left behind, say)."""
    return sorted(name for name in os.listdir(directory) if name not in keep)


# -- links and temporary names ------------------------------------------------------------------


def test_a_link_planted_at_the_old_temporary_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = tmp_path / "ckpt.json"
    os.symlink(victim, tmp_path / "ckpt.json.tmp")
    save(STATE, path)
    assert victim.read_text() == "precious"
    assert path.is_file() and not path.is_symlink()
    assert load(path) == STATE


def test_a_link_at_the_drawn_temporary_name_is_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if an attacker guessed the random name: O_EXCL refuses it, and save draws again."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    draws = iter(["a" * 16, "b" * 16])
    monkeypatch.setattr(serialize.secrets, "token_hex", lambda n: next(draws))
    path = tmp_path / "ckpt.json"
    os.symlink(victim, tmp_path / f".ckpt.json.{'a' * 16}.tmp")
    save(STATE, path)
    assert victim.read_text() == "precious"
    assert load(path) == STATE and not path.is_symlink()
    assert leftovers(tmp_path, {"victim.txt", "ckpt.json", f".ckpt.json.{'a' * 16}.tmp"}) == []


def test_a_path_that_is_a_link_writes_the_file_it_points_to(tmp_path: Path) -> None:
    """As torch.save (open() follows links), but atomically: the link stays a link."""
    real = tmp_path / "real.json"
    save(OLD, real)
    link = tmp_path / "latest.json"
    os.symlink(real, link)
    save(STATE, link)
    assert link.is_symlink() and load(real) == STATE and load(link) == STATE


def test_a_directory_or_fifo_at_the_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "adir").mkdir()
    with pytest.raises(ValueError, match="save: .*adir is a directory, not a regular file"):
        save(STATE, tmp_path / "adir")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="is a FIFO"):
        save(STATE, tmp_path / "fifo")
    with pytest.raises(FileNotFoundError, match="save: the directory of"):
        save(STATE, tmp_path / "missing" / "x.json")
    assert leftovers(tmp_path, {"adir", "fifo"}) == []


def test_a_255_character_name_saves(tmp_path: Path) -> None:
    name = "c" * 250 + ".json"
    assert len(name) == 255
    save(STATE, tmp_path / name)
    assert load(tmp_path / name) == STATE
    assert leftovers(tmp_path, {name}) == []


# -- failures leave nothing behind ---------------------------------------------------------------


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.json"
    save(OLD, path)
    real_write = os.write
    calls = []

    def fails_on_the_second_write(fd: int, data: Any) -> int:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data)[:10])  # a short write: save must loop

    monkeypatch.setattr(serialize.os, "write", fails_on_the_second_write)
    with pytest.raises(OSError, match="save: could not write .*No space left.*unchanged") as info:
        save(STATE, path)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert load(path) == OLD
    assert leftovers(tmp_path, {"ckpt.json"}) == []
    save(STATE, path)  # and the next save works
    assert load(path) == STATE


@pytest.mark.parametrize("where", ["write", "fsync", "replace", "close"])
def test_an_interrupt_anywhere_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    path = tmp_path / "ckpt.json"
    save(OLD, path)
    real = getattr(os, where)

    def interrupted(*args: Any) -> Any:
        if where == "close":
            real(*args)  # the descriptor is closed, then Ctrl-C arrives
        raise KeyboardInterrupt

    monkeypatch.setattr(serialize.os, where, interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(STATE, path)
    monkeypatch.undo()
    assert load(path) == OLD
    assert leftovers(tmp_path, {"ckpt.json"}) == []


def test_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    """A real ENOSPC: a 64 KiB tmpfs (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    try:
        path = mount / "ckpt.json"
        save(OLD, path)
        with pytest.raises(OSError, match="No space left") as info:
            save({"big": [[1.0] * 1000] * 20}, path)
        assert info.value.errno == errno.ENOSPC
        assert load(path) == OLD
        assert leftovers(mount, {"ckpt.json"}) == []
        save(STATE, path)  # the next small save works
        assert load(path) == STATE
    finally:
        subprocess.run(["umount", str(mount)], check=False)


# -- permissions and fsync -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_the_old_files_permissions_are_kept(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "ckpt.json"
    save(OLD, path)
    os.chmod(path, mode)
    save(STATE, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


def test_a_new_file_gets_the_umask_as_open_would(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        save(STATE, tmp_path / "new.json")
        (tmp_path / "by_open.json").write_text("{}")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "by_open.json").st_mode) == 0o640


def test_a_read_only_file_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.json"
    save(OLD, path)
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match=r"save: .*ckpt.json is read-only \(mode 0444\)"):
        save(STATE, path)
    assert load(path) == OLD and stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert leftovers(tmp_path, {"ckpt.json"}) == []


def test_the_file_is_flushed_to_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(serialize.os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(
        serialize.os, "replace", lambda a, b: events.append("replace") or real_replace(a, b)
    )
    save(STATE, tmp_path / "ckpt.json")
    assert events[:2] == ["fsync", "replace"]  # then the directory's fsync
    assert events.count("fsync") == 2


# -- concurrent saves and reads ------------------------------------------------------------------


def _saver(path: str, worker: int, rounds: int) -> None:
    for i in range(rounds):
        save({"worker": worker, "i": i, "rows": [[float(i)] * 50] * 20}, path)


def test_concurrent_saves_and_reads_never_fail_nor_see_half_a_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    save({"worker": -1, "i": -1, "rows": [[0.0]]}, path)
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    workers = [context.Process(target=_saver, args=(str(path), w, 60)) for w in range(4)]
    reads, problems = [0], []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                got = load(path)
                assert set(got) == {"worker", "i", "rows"}
                reads[0] += 1
            except Exception as e:  # collected and reported below
                problems.append(repr(e))

    thread = threading.Thread(target=reader)
    thread.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    done.set()
    thread.join()
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert problems == [] and reads[0] > 0
    assert leftovers(tmp_path, {"shared.json"}) == []
    assert load(path)["i"] == 59


# -- the format version --------------------------------------------------------------------------


def test_the_file_carries_its_format_and_version(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.json"
    save(STATE, path)
    raw = json.loads(path.read_text())
    assert raw == {"format": "match.save", "version": FORMAT_VERSION, "data": STATE}
    assert list(raw) == ["format", "version", "data"]


def test_a_newer_version_says_so(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"format": "match.save", "version": 2, "data": STATE}))
    with pytest.raises(ValueError, match="written by a newer Match .*version 2.*upgrade Match"):
        load(path)


@pytest.mark.parametrize(
    ("wrapper", "message"),
    [
        ({"format": "match.save", "version": "1", "data": {}}, "not a version number"),
        ({"format": "match.save", "version": True, "data": {}}, "not a version number"),
        ({"format": "match.save", "version": 0, "data": {}}, "not a version number"),
        ({"format": "match.save", "version": 1}, "should hold the keys"),
        ({"format": "match.save", "version": 1, "data": {}, "x": 1}, "should hold the keys"),
        ({"format": "match.save", "version": 1, "data": 5}, "holds a int"),
    ],
)
def test_a_bad_wrapper_is_refused(tmp_path: Path, wrapper: dict, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(wrapper))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_a_file_without_the_wrapper_still_loads(tmp_path: Path) -> None:
    """Files written before the version field existed."""
    path = tmp_path / "old.json"
    path.write_text(json.dumps(STATE))
    assert load(path) == STATE


def test_a_wrapped_file_allows_one_more_level_and_no_more(tmp_path: Path) -> None:
    deep: Any = [[1.0]]
    for _ in range(serialize.MAX_DEPTH - 2):
        deep = {"k": deep}
    save(deep, tmp_path / "deep.json")
    assert load(tmp_path / "deep.json") == deep
    text = json.dumps({"format": "match.save", "version": 1, "data": {"k": deep}})
    (tmp_path / "deeper.json").write_text(text)
    with pytest.raises(ValueError, match="deeper than 32"):
        load(tmp_path / "deeper.json")


# -- what a resumed run needs --------------------------------------------------------------------


def test_one_cycle_lr_state_saves_and_resumes(tmp_path: Path) -> None:
    def make() -> tuple[Any, Any]:
        model = nn.Linear(2, 2)
        opt = optim.Adam(model.parameters(), lr=0.01)
        return opt, optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)

    opt, sched = make()
    for _ in range(7):
        opt.step()
        sched.step()
    save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c.json")
    opt2, sched2 = make()
    loaded = load(tmp_path / "c.json")
    opt2.load_state_dict(loaded["opt"])
    sched2.load_state_dict(loaded["sched"])
    for _ in range(10):
        opt.step()
        sched.step()
        opt2.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]


def test_one_cycle_lr_matches_torch_state_keys() -> None:
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    theirs = torch.optim.lr_scheduler.OneCycleLR(t_opt, max_lr=1.0, total_steps=10)
    opt = optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1, momentum=0.9)
    ours = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert ours.state_dict()["_schedule_phases"] == theirs.state_dict()["_schedule_phases"]


def test_rng_state_round_trips_through_a_file(tmp_path: Path) -> None:
    """Resuming with dropout draws the same masks (torch's get_rng_state/set_rng_state)."""
    match.manual_seed(3)
    match.randn(1, 1)  # a gauss pair half used: gauss_next is set
    save({"rng": match.get_rng_state()}, tmp_path / "rng.json")
    layer = nn.Dropout(0.5)
    x = match.ones(4, 6)
    first = [layer(x).tolist(), match.randn(2, 3).tolist()]
    match.manual_seed(99)
    match.set_rng_state(load(tmp_path / "rng.json")["rng"])
    assert [layer(x).tolist(), match.randn(2, 3).tolist()] == first


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        ("nope", TypeError, "expected what get_rng_state returned"),
        ({"version": 3}, TypeError, "expected what get_rng_state returned"),
        ({"version": 2, "internal": [0] * 625, "gauss_next": None}, ValueError, "version"),
        ({"version": 3, "internal": [0] * 10, "gauss_next": None}, ValueError, "625 ints"),
        ({"version": 3, "internal": [0.5] * 625, "gauss_next": None}, TypeError, "an int"),
        ({"version": 3, "internal": [2**32] * 625, "gauss_next": None}, ValueError, "outside"),
        ({"version": 3, "internal": [0] * 624 + [625], "gauss_next": None}, ValueError, "outside"),
        ({"version": 3, "internal": [0] * 625, "gauss_next": "x"}, TypeError, "gauss_next"),
    ],
)
def test_a_bad_rng_state_is_refused_and_changes_nothing(
    state: Any, error: type, message: str
) -> None:
    match.manual_seed(5)
    before = match.get_rng_state()
    with pytest.raises(error, match=f"set_rng_state: .*{message}"):
        match.set_rng_state(state)
    assert match.get_rng_state() == before


def test_torch_optimizer_state_dict_loads_and_training_continues_the_same() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    t_model = t_model.double()
    t_opt = torch.optim.Adam(t_model.parameters(), lr=0.01, amsgrad=True)
    x = torch.randn(5, 3, dtype=torch.float64)
    for _ in range(3):
        t_opt.zero_grad()
        t_model(x).pow(2).sum().backward()
        t_opt.step()
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model.load_state_dict(t_model.state_dict())
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    opt.load_state_dict(t_opt.state_dict())  # 0-d step tensors, 1D bias buffers, torch's keys
    for _ in range(3):
        t_opt.zero_grad()
        t_model(x).pow(2).sum().backward()
        t_opt.step()
        opt.zero_grad()
        (model(match.mat(x.tolist())) ** 2).sum().backward()
        opt.step()
    for (name, ours), theirs in zip(model.state_dict().items(), t_model.state_dict().values()):
        want = [v for row in theirs.reshape(len(ours), -1).tolist() for v in row]
        got = [v for row in ours for v in row]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-14), name
