"""Match's speed side by side with torch, raw numpy and the textbook triple loop, in one run.

Run: python bench/bench_speed.py [--quick] [--only numpy,chain,pure,import]   (full: ~5 min)

Sections, each printing medians of interleaved runs (every repeat times each contender in turn,
so that load on the machine hits them alike) and the ratio to the reference:

numpy   one train step, MLP 784-256-10, cross-entropy, Adam, float64, at batch 16/64/256/1024:
        Match on the numpy backend against torch on the CPU and against the same step written
        in raw numpy (1 BLAS thread and 1 torch thread: set before numpy and torch load).
        Each contender runs in a fresh process per round (see `numpy_section` for why).
chain   a chain of ops on 8x8 matrices, forward plus backward, per op: Match (numpy and pure
        Python backends) against torch.
pure    one pure-Python train step (batch 128, 784-128-10, cross-entropy, SGD) against the same
        step on textbook triple-loop kernels (`bench_core.TextbookKernels`), and against
        Match's previous matmul kernels (columns straight from `zip`), on every Python 3.10+
        found (this one, `~/.pyenv/versions/*`, and `python3.1x` on PATH).
import  `import match` in a fresh interpreter (wall and CPU time), on every Python found.

`--quick` shrinks every size and repeat, times batch 16 only and this Python only, so that the
whole run takes seconds (tests use it); its figures mean nothing.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SECTIONS = ("numpy", "chain", "pure", "import")


def parse_args() -> argparse.Namespace:
    """Read the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (for tests)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    parser.add_argument("--pure-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--numpy-worker", nargs=2, help=argparse.SUPPRESS)
    return parser.parse_args()


ARGS = parse_args()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)  # before numpy (and torch) load their BLAS
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import match  # noqa: E402
from match import List2D, accel  # noqa: E402


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int, target_s: float = 0.05
) -> dict[str, float]:
    """Median seconds per call of each fn. Each fn is warmed up and given a call count that
    fills about target_s per sample; then every repeat times each fn in turn.

    Times are this process's CPU time (`time.process_time`), which the other processes of a
    shared machine do not inflate as they do wall time (BLAS and torch run one thread)."""
    numbers = {}
    for name, fn in fns.items():
        start = time.process_time()
        fn()
        once = time.process_time() - start
        numbers[name] = max(1, int(target_s / max(once, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            number = numbers[name]
            start = time.process_time()
            for _ in range(number):
                fn()
            samples[name].append((time.process_time() - start) / number)
    return {name: statistics.median(s) for name, s in samples.items()}


def table(title: str, rows: list[tuple[str, float, str]], unit: str) -> None:
    """Print rows of (contender, seconds, ratio text) in `unit` (ms or us)."""
    scale = {"ms": 1e3, "us": 1e6}[unit]
    print(f"\n{title}")
    for name, seconds, note in rows:
        print(f"  {name:40} {seconds * scale:10.3f} {unit}   {note}")


def mlp(nn: Any, sizes: tuple[int, int, int]) -> Any:
    """Linear, ReLU, Linear with `nn` = match.nn or torch.nn (the same API)."""
    n_in, n_hidden, n_out = sizes
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_out))


def step_fn(model: Any, x: Any, targets: Any, opt: Any, loss_fn: Any) -> Callable[[], float]:
    """One train step, written once for Match and torch: it returns the loss."""

    def step() -> float:
        loss = loss_fn(model(x), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------------------------------------
# numpy: the MLP step against torch and raw numpy
# ---------------------------------------------------------------------------------------------


NUMPY_CONTENDERS = ("match (numpy)", "torch (cpu)", "raw numpy")
PRODUCTS = ("products: numpy", "products: torch")  # the step's five matrix products alone


def numpy_section(quick: bool) -> None:
    """MLP 784-256-10, CE, Adam: Match (numpy) vs torch CPU vs raw numpy, per batch size.

    Each contender runs alone in a fresh process, as a user's script does: in one shared
    process, what the other libraries allocated and freed changes how many page faults each
    takes (measured: torch's step at batch 16 took 750 a step between Match's and numpy's
    steps, 47 when only it ran). The processes run in
    rounds, every contender once per round, so that load on the machine hits them alike."""
    try:
        import numpy as np
    except ImportError:
        print("\nnumpy: numpy is not installed, skipped")
        return
    try:
        import torch
    except ImportError:
        torch = None
    names = [n for n in NUMPY_CONTENDERS + PRODUCTS if torch is not None or "torch" not in n]
    batches = (16,) if quick else (16, 64, 256, 1024)
    print(
        f"\nnumpy {np.__version__}, "
        + (f"torch {torch.__version__}" if torch is not None else "torch missing")
        + f", {ARGS.threads} BLAS/torch thread(s), each contender in its own process"
    )
    results: dict[tuple[int, str], list[dict[str, float]]] = {}
    for _ in range(1 if quick else 5):
        for batch in batches:
            for name in names:
                results.setdefault((batch, name), []).append(numpy_worker_run(name, batch, quick))
    for batch in batches:
        times = {n: statistics.median(r["seconds"] for r in results[(batch, n)]) for n in names}
        faults = {n: statistics.median(r["faults"] for r in results[(batch, n)]) for n in names}
        losses = {n: results[(batch, n)][0]["first loss"] for n in names if n not in PRODUCTS}
        first = losses["raw numpy"]
        for name, loss in losses.items():
            if abs(loss - first) > 1e-9 * abs(first):
                raise RuntimeError(f"bench_speed: {name} gives loss {loss}, raw numpy {first}")
        ref = times.get("torch (cpu)")
        rows = []
        for name in NUMPY_CONTENDERS:
            if name in times:
                t = times[name]
                vs_torch = f"{t / ref:5.2f}x torch" if ref else ""
                note = f"{vs_torch}   {t / times['raw numpy']:5.2f}x raw numpy"
                rows.append((name, t, f"{note}   {faults[name]:5.0f} page faults"))
        if ref:
            floor = times["products: numpy"] / times["products: torch"]
            for name in PRODUCTS:
                rows.append((name, times[name], f"numpy's BLAS {floor:4.2f}x torch's"))
        table(f"train step, batch {batch}, 784-256-10, cross-entropy, Adam", rows, "ms")


def numpy_worker_run(name: str, batch: int, quick: bool) -> dict[str, float]:
    """Run one contender's steps in a fresh interpreter and return its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--numpy-worker", name, str(batch)]
    command += ["--threads", str(ARGS.threads)] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench_speed: the {name} worker failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def numpy_worker(name: str, batch: int, quick: bool) -> None:
    """In this interpreter: build one contender, warm it up, print the median CPU time of its
    steps and its first loss as JSON."""
    import numpy as np

    torch = None
    if "torch" in name:
        import torch

        torch.set_num_threads(ARGS.threads)
    builders = {"match (numpy)": match_step, "torch (cpu)": torch_step, "raw numpy": raw_step}
    builders.update(dict.fromkeys(PRODUCTS, products_step))
    step = builders[name](np, torch, numpy_step_data(np, batch))
    first = step()
    for _ in range(2 if quick else 10):
        step()
    samples = []
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3 if quick else max(20, 2000 // batch)):
        start = time.process_time()
        step()
        samples.append(time.process_time() - start)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / len(samples)
    figures = {"seconds": statistics.median(samples), "first loss": first, "faults": faults}
    print(json.dumps(figures))


def numpy_step_data(np: Any, batch: int) -> dict[str, Any]:
    """The batch and the first weights of the MLP 784-256-10 (the same for every contender)."""
    n_in, n_hidden, n_out = NUMPY_SIZES
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((batch, n_in)),
        "y": rng.integers(0, n_out, batch),
        "w1": rng.uniform(-1, 1, (n_hidden, n_in)) / n_in**0.5,
        "w2": rng.uniform(-1, 1, (n_out, n_hidden)) / n_hidden**0.5,
        "b1": np.zeros((1, n_hidden)),
        "b2": np.zeros((1, n_out)),
    }


NUMPY_SIZES = (784, 256, 10)
LEARNING_RATE = 1e-3


def match_step(np: Any, torch: Any, data: dict[str, Any]) -> Callable[[], float]:
    """Match on the numpy backend."""
    with accel.using("numpy"):
        model = mlp(match.nn, NUMPY_SIZES)
        for p, key in zip(model.parameters(), ("w1", "b1", "w2", "b2")):
            p.data = List2D.from_2d_list(data[key].tolist())
        x = match.mat(data["x"].tolist(), requires_grad=False)
    opt = match.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    return step_fn(model, x, data["y"].tolist(), opt, match.nn.functional.cross_entropy)


def torch_step(np: Any, torch: Any, data: dict[str, Any]) -> Callable[[], float]:
    """torch on the CPU, float64."""
    model = mlp(torch.nn, NUMPY_SIZES).double()
    with torch.no_grad():
        for p, key in zip(model.parameters(), ("w1", "b1", "w2", "b2")):
            p.copy_(torch.from_numpy(data[key]).reshape(p.shape))
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    return step_fn(model, x, y, opt, torch.nn.functional.cross_entropy)


def products_step(np: Any, torch: Any, data: dict[str, Any]) -> Callable[[], float]:
    """Only the step's five matrix products, with operands of their shapes: in torch when
    torch is given, else in numpy. Their ratio is how much faster torch's BLAS is here."""
    batch = len(data["y"])
    x, w1, w2 = data["x"], data["w1"], data["w2"]
    h, dz = np.ones((batch, w1.shape[0])), np.ones((batch, w2.shape[0]))
    if torch is not None:
        x, w1, w2, h, dz = (torch.from_numpy(a) for a in (x, w1, w2, h, dz))

    def products() -> float:
        """Forward x W1^T and h W2^T; backward dz W2, dz^T h and dh^T x."""
        x @ w1.T, h @ w2.T, dz @ w2, dz.T @ h, h.T @ x
        return 0.0

    return products


def raw_step(np: Any, torch: Any, data: dict[str, Any]) -> Callable[[], float]:
    """The same step written in raw numpy: forward, backward and torch's Adam, in place where
    torch is."""
    xs, ys = data["x"], data["y"]
    batch, lr = len(ys), LEARNING_RATE
    params = [data[key].copy() for key in ("w1", "b1", "w2", "b2")]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    state = {"step": 0}
    rows = np.arange(batch)

    def numpy_step() -> float:
        W1, B1, W2, B2 = params
        h = xs @ W1.T + B1
        r = np.maximum(h, 0.0)
        z = r @ W2.T + B2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.log(s[:, 0]).mean() - z[rows, ys].mean())
        dz = e / s
        dz[rows, ys] -= 1.0
        dz /= batch
        dr = dz @ W2
        dh = dr * (h > 0)
        grads = (dh.T @ xs, dh.sum(0, keepdims=True), dz.T @ r, dz.sum(0, keepdims=True))
        state["step"] += 1
        t = state["step"]
        step_size = lr / (1 - 0.9**t)
        bias2_sqrt = (1 - 0.999**t) ** 0.5
        for p, g, (m, v) in zip(params, grads, moments):
            m += (g - m) * 0.1
            v *= 0.999
            v += 0.001 * g * g
            p -= step_size * m / (np.sqrt(v) / bias2_sqrt + 1e-8)
        return loss

    return numpy_step


# ---------------------------------------------------------------------------------------------
# chain: per-op cost on 8x8
# ---------------------------------------------------------------------------------------------

# The chain: each entry is one recorded op, written the same for a Matrix and a torch tensor.
CHAIN: tuple[Callable[[Any, Any, Any], Any], ...] = (
    lambda h, x, w: h @ w,
    lambda h, x, w: h * x,
    lambda h, x, w: h + w,
    lambda h, x, w: h.tanh(),
    lambda h, x, w: h - x,
    lambda h, x, w: h.sigmoid(),
    lambda h, x, w: h / 2.0,
    lambda h, x, w: h.relu(),
    lambda h, x, w: h.exp(),
    lambda h, x, w: h.sum(),
)


# The chain of issue 19: `*`, `+` and relu, the ops of a small MLP's elementwise work.
MASK_CHAIN: tuple[Callable[[Any, Any, Any], Any], ...] = (
    lambda h, x, w: h * x,
    lambda h, x, w: h + w,
    lambda h, x, w: h.relu(),
) * 4


def chain_section(quick: bool) -> None:
    """Forward plus backward of CHAIN and of MASK_CHAIN on 8x8, per op: Match (numpy, python)
    against torch."""
    for ops in (CHAIN, MASK_CHAIN):
        one_chain(ops, quick)


def one_chain(ops: tuple[Callable[[Any, Any, Any], Any], ...], quick: bool) -> None:
    """One chain's table."""
    contenders: dict[str, Callable[[], object]] = {}
    backends = [b for b in ("numpy", "python") if b in accel.available()]
    for name in backends:
        with accel.using(name):
            match.manual_seed(0)
            x, w = match.randn(8, 8), match.randn(8, 8)
        contenders[f"match ({name})"] = chain_fn(x, w, ops)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        tx = torch.tensor(x.tolist(), dtype=torch.float64, requires_grad=True)
        tw = torch.tensor(w.tolist(), dtype=torch.float64, requires_grad=True)
        contenders["torch (cpu)"] = chain_fn(tx, tw, ops)
    times = interleaved(contenders, repeats=1 if quick else 15, target_s=0.002 if quick else 0.05)
    ref = times.get("torch (cpu)")
    rows = [
        (name, t / len(ops), f"{t / ref:5.2f}x torch" if ref else "") for name, t in times.items()
    ]
    what = "*, + and relu" if ops is MASK_CHAIN else "mixed"
    table(f"8x8 op chain ({what}), forward + backward, per op ({len(ops)} ops)", rows, "us")


def chain_fn(
    x: Any, w: Any, ops: tuple[Callable[[Any, Any, Any], Any], ...]
) -> Callable[[], object]:
    """One forward and backward of a chain of ops from leaves x and w (Matrix or torch
    tensor); the last op's result is summed so that backward starts from a scalar."""

    def run() -> object:
        x.grad = w.grad = None
        h = x
        for op in ops:
            h = op(h, x, w)
        h = h if ops is CHAIN else h.sum()
        h.backward()
        return h

    return run


# ---------------------------------------------------------------------------------------------
# pure: the big pure-Python step, on every Python found
# ---------------------------------------------------------------------------------------------


def pythons() -> list[str]:
    """Interpreters 3.10+ to compare: this one first, then pyenv's and PATH's, one per version.
    With --quick, this one only: a smoke run needs no comparison, and every other interpreter
    costs a process start per section (it was most of the tests' time here)."""
    if ARGS.quick:
        return [sys.executable]
    found = [sys.executable]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    found += [p for v in range(10, 20) if (p := shutil.which(f"python3.{v}"))]
    by_version: dict[str, str] = {}
    for exe in found:
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if re.fullmatch(r"3\.\d+", out) and int(out.split(".")[1]) >= 10:
            by_version.setdefault(out, exe)
    return [by_version[v] for v in sorted(by_version, key=lambda v: int(v.split(".")[1]))]


def pure_section(quick: bool) -> None:
    """Run the pure step in a fresh process per Python, and print one row each."""
    size = "batch 8, 64-16-10" if quick else "batch 128, 784-128-10"
    print(f"\npure-Python train step, {size}, cross-entropy, SGD (ms)")
    print(f"  {'python':8} {'match':>10} {'zip cols':>10} {'textbook':>10}  speed-ups")
    flags = ["--quick"] if quick else []
    for exe in pythons():
        done = subprocess.run(
            [exe, os.path.abspath(__file__), "--pure-worker", *flags],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"  {exe}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        m, z, t = r["match"], r["zip columns"], r["textbook"]
        print(
            f"  {r['python']:8} {m * 1e3:10.1f} {z * 1e3:10.1f} {t * 1e3:10.1f}  "
            f"{t / m:5.1f}x textbook, {z / m:5.2f}x zip columns"
        )


def pure_worker(quick: bool) -> None:
    """In this interpreter: time the pure step on three kernel sets (median CPU time of
    interleaved rounds), print JSON."""
    import platform

    from bench_core import TextbookKernels

    from match.backend.python import PythonKernels, dot_rows

    class ZipColumnKernels(PythonKernels):
        """Match's matmul kernels before fresh-float columns: columns straight from zip."""

        name = "zip columns"

        def matmul(self, a: Any, b: Any) -> Any:
            return dot_rows(a, list(zip(*b)))

        def t_matmul(self, a: Any, b: Any) -> Any:
            return dot_rows(zip(*a), list(zip(*b)))

    batch, sizes = (8, (64, 16, 10)) if quick else (128, (784, 128, 10))
    steps = {
        k.name if k.name != "python" else "match": pure_step(k, batch, sizes)
        for k in (PythonKernels(), ZipColumnKernels(), TextbookKernels())
    }
    # Every step runs once untimed (the warm-up), then in rounds; the textbook step, 5x slower,
    # sits out after its second round (its ratio needs no more precision, and the run ends).
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        step()
    for round_ in range(1 if quick else 5):
        for name, step in steps.items():
            if name == "textbook" and round_ >= 2:
                continue
            start = time.process_time()
            step()
            samples[name].append(time.process_time() - start)
    times = {name: statistics.median(s) for name, s in samples.items()}
    print(json.dumps({"python": platform.python_version(), **times}))


def pure_step(kernels: Any, batch: int, sizes: tuple[int, int, int]) -> Callable[[], float]:
    """One SGD step of an MLP whose matrices live on `kernels` (same seed for every kernel)."""
    n_in, _, n_out = sizes
    with accel.using(kernels):
        match.manual_seed(0)
        model = mlp(match.nn, sizes)
        x = match.rand(batch, n_in, requires_grad=False)
    targets = [i % n_out for i in range(batch)]
    opt = match.optim.SGD(model.parameters(), lr=0.01)
    return step_fn(model, x, targets, opt, match.nn.functional.cross_entropy)


# ---------------------------------------------------------------------------------------------
# import: `import match` in a fresh interpreter
# ---------------------------------------------------------------------------------------------


def import_section(quick: bool) -> None:
    """`import match` per Python, runs interleaved across them: median wall and CPU time of the
    import alone (interpreter start-up excluded). Bytecode is cached in a temporary folder that
    a first run fills, as an installed package has its .pyc files. For where the time goes,
    run `python -X importtime -c "import match"`."""
    exes = pythons()
    code = (
        "import time; w, c = time.perf_counter(), time.process_time(); import match; "
        "print(time.perf_counter() - w, time.process_time() - c)"
    )
    samples: dict[str, list[tuple[float, float]]] = {exe: [] for exe in exes}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": ROOT, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("MATCH_ACCEL", None)
        for run in range(2 if quick else 21):
            for exe in exes:
                done = subprocess.run(
                    [exe, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
                )
                if done.returncode == 0 and run > 0:  # run 0 writes the bytecode
                    wall, cpu = done.stdout.split()
                    samples[exe].append((float(wall), float(cpu)))
    print("\nimport match (medians, start-up excluded)")
    for exe, pairs in samples.items():
        if pairs:
            wall = statistics.median(w for w, _ in pairs)
            cpu = statistics.median(c for _, c in pairs)
            print(f"  {exe:50} wall {wall * 1e3:7.1f} ms   cpu {cpu * 1e3:7.1f} ms")


def main() -> None:
    """Run the chosen sections."""
    if ARGS.pure_worker:
        pure_worker(ARGS.quick)
        return
    if ARGS.numpy_worker:
        name, batch = ARGS.numpy_worker
        numpy_worker(name, int(batch), ARGS.quick)
        return
    started = time.perf_counter()
    print(
        f"bench_speed: Python {sys.version.split()[0]}, {os.uname().machine}, "
        f"{os.cpu_count()} CPUs{', --quick (figures mean nothing)' if ARGS.quick else ''}"
    )
    chosen = ARGS.only.split(",")
    for name in chosen:
        if name not in SECTIONS:
            raise SystemExit(f"bench_speed: unknown section {name!r}; choose from {SECTIONS}")
    sections = {
        "numpy": numpy_section,
        "chain": chain_section,
        "pure": pure_section,
        "import": import_section,
    }
    for name in chosen:
        sections[name](ARGS.quick)
    print(f"\ntotal {time.perf_counter() - started:.1f} s wall")


if __name__ == "__main__":
    main()
