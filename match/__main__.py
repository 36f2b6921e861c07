"""`python -m match`: train a digit classifier in pure Python and report its test accuracy.

The default run needs nothing but Python: it trains a small MLP (64 -> 64 -> 10) on the
handwritten digits shipped with Match (1,437 training and 360 test images of 8x8 pixels), prints
one progress line per epoch (loss, accuracy, elapsed time), and ends with the test accuracy.
It reaches about 96% in 20 epochs, in 15 s to over a minute of pure Python depending on the
machine (measured on 2-core machines: 17 s on one, 35 to 66 s on others), or a few seconds with
`--accel numpy`.

    python -m match                      # the default run
    python -m match --epochs 5 --hidden 32
    python -m match --accel numpy        # the same math with numpy kernels (if installed)
    python -m match --help
    python -m match demos                # list the demos that ship with Match
    python -m match demos digits --quick # run one (quick: less data, fewer epochs)
    python -m match backprop "CODE"      # step through the backward pass of CODE's `loss`

It fails in one line with exit status 2, never a traceback, when an option is bad, a backend is
missing, the run would not fit in memory, or standard output cannot be written (closed, or a
full disk); a reader that leaves early (`python -m match | head -2`) ends it quietly. A learning
rate so large that the loss becomes nan or inf stops the training with a warning (status 1).

The recipe, step by step (each is a plain Match call; see `train` below):

1. load the fixed train/test split with `match.data.load_digits`;
2. standardise each pixel with the training set's mean and spread (test pixels use the same
   numbers, so nothing is learned from the test set);
3. build `nn.Sequential(nn.Linear(64, H), nn.ReLU(), nn.Linear(H, 10))`;
4. train with `nn.CrossEntropyLoss(label_smoothing=0.3)`, `optim.Adam` and a cosine learning
   rate schedule, on shuffled minibatches from `match.data.DataLoader`, adding a little random
   noise to each batch of training images.

The test images were written by other people than the training images, so a network that
memorises the training set does poorly on them: a plain MLP stops at about 91%. Label smoothing
(training towards about 70% confidence rather than 100%, which is also why the loss never goes
below about 1.2) and the input noise both keep the network from fitting the training writers too
closely, and lift the test accuracy to about 96%.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import math
import os
import runpy
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

import match
from match import nn, optim
from match.data import DataLoader, load_digits

# The defaults of the main job: measured to reach >= 95% test accuracy for every seed tried.
DEFAULTS = dict(epochs=20, hidden=64, lr=0.02, batch_size=32, seed=0, optimizer="adam")
LABEL_SMOOTHING = 0.3  # train towards ~70% confidence in the right digit, not 100%
INPUT_NOISE = 0.3  # spread of the random noise added to the (standardised) training pixels
N_CLASSES = 10
N_PIXELS = 64  # 8x8 images
N_TRAIN, N_TEST = 1437, 360  # the fixed split of match.data.load_digits
PROG = "python -m match"


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    """An argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    """An argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m match`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=(
            "%(prog)s [-h] [--epochs N] [--hidden N] [--lr X] [--batch-size N]\n"
            "                       [--optimizer {adam,sgd}] [--seed N] "
            "[--accel {python,numpy,cupy}]\n"
            "       %(prog)s demos [NAME] [--quick]\n"
            "       %(prog)s exercises {make,check,list} ...\n"
            "       %(prog)s backprop CODE | --example NAME"
        ),
        description=(
            "Train a small neural network (an MLP) to read handwritten digits, in pure Python "
            "with Match, and print its accuracy on 360 test images it never saw."
        ),
        epilog=(
            "The default run reaches about 96% test accuracy in 15 s to over a minute of pure "
            "Python, depending on the machine. The loss it prints stays above 1 by design: "
            "label smoothing trains towards 70% confidence, not 100%. Demos that explain "
            "each step: `python -m match demos` lists them, `python -m match demos digits` runs "
            "one."
        ),
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        default=DEFAULTS["epochs"],
        help="passes over the training set (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden",
        type=_positive_int,
        metavar="N",
        default=DEFAULTS["hidden"],
        help="units in the hidden layer (default: %(default)s)",
    )
    parser.add_argument(
        "--lr",
        type=_positive_float,
        metavar="X",
        default=DEFAULTS["lr"],
        help="initial learning rate, decayed to 0 by a cosine schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        default=DEFAULTS["batch_size"],
        help="images per gradient step (default: %(default)s)",
    )
    parser.add_argument(
        "--optimizer",
        choices=("adam", "sgd"),
        default=DEFAULTS["optimizer"],
        help="adam, or sgd with momentum 0.9 (try --lr 0.1) (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=DEFAULTS["seed"],
        help="seed for the initial weights and the batch order (default: %(default)s)",
    )
    parser.add_argument(
        "--accel",
        choices=("python", "numpy", "cupy"),
        default=None,
        help="where the matrix math runs: pure python (the default), or numpy or cupy if installed",
    )
    return parser


# ---------------------------------------------------------------------------------------------
# Progress line
# ---------------------------------------------------------------------------------------------


class Progress:
    """Prints the progress of training with the standard library only.

    On a terminal the current epoch's line is redrawn in place (with '\\r') after each batch;
    elsewhere (a pipe, a file, a notebook log) exactly one plain line is printed per epoch.
    """

    def __init__(
        self, epochs: int, batches: int, stream: TextIO | None = None, live: bool | None = None
    ) -> None:
        self.epochs = epochs
        self.batches = batches
        self.stream = sys.stdout if stream is None else stream
        if live is None:
            isatty = getattr(self.stream, "isatty", None)
            live = bool(isatty and isatty())
        self.live = live
        self.start = time.perf_counter()
        self._width = 0  # length of the last in-place line, to blank it out fully

    def elapsed(self) -> float:
        """Seconds since the progress started."""
        return time.perf_counter() - self.start

    def _prefix(self, epoch: int) -> str:
        digits = len(str(self.epochs))
        return f"epoch {epoch:>{digits}}/{self.epochs}"

    def batch(self, epoch: int, done: int, loss: float, accuracy: float) -> None:
        """Redraw the line of the running epoch (only on a terminal)."""
        if not self.live:
            return
        bar_width = 20
        filled = bar_width * done // self.batches
        bar = "#" * filled + "." * (bar_width - filled)
        line = (
            f"{self._prefix(epoch)} [{bar}] loss {loss:.4f}  train acc {accuracy:6.1%}  "
            f"{self.elapsed():5.1f} s"
        )
        self._write("\r" + line.ljust(self._width))
        self._width = len(line)

    def epoch(self, epoch: int, loss: float, accuracy: float, test_accuracy: float) -> None:
        """Print the finished epoch's line for good."""
        line = (
            f"{self._prefix(epoch)}  loss {loss:.4f}  train acc {accuracy:6.1%}  "
            f"test acc {test_accuracy:6.1%}  {self.elapsed():5.1f} s"
        )
        if self.live:
            line = "\r" + line.ljust(self._width)
        self._write(line + "\n")
        self._width = 0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


# ---------------------------------------------------------------------------------------------
# Data, model and training
# ---------------------------------------------------------------------------------------------


def standardize(train: list[list[float]], *others: list[list[float]]) -> list[list[list[float]]]:
    """Scale each column to mean 0 and spread about 1, using the training rows' statistics.

    The spread gets 0.1 added so that pixels that are (almost) always blank, like the corners of
    the digit images, are not blown up into large numbers.
    """
    n = len(train)
    columns = list(zip(*train))
    means = [sum(col) / n for col in columns]
    spreads = [
        math.sqrt(sum((v - m) ** 2 for v in col) / (n - 1)) + 0.1 for col, m in zip(columns, means)
    ]
    return [
        [[(v - m) / s for v, m, s in zip(row, means, spreads)] for row in rows]
        for rows in (train, *others)
    ]


def build_model(hidden: int) -> nn.Module:
    """The MLP: 64 pixels -> `hidden` ReLU units -> 10 class scores (logits)."""
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, N_CLASSES))


def count_correct(logits: match.Matrix, labels: Sequence[int]) -> int:
    """How many rows of `logits` have their largest score at the right label."""
    predictions = logits.argmax(1).tolist()
    return sum(int(p[0]) == y for p, y in zip(predictions, labels))


def evaluate(model: nn.Module, X: list[list[float]], y: list[int]) -> int:
    """How many of the rows X `model` labels right (in eval mode, without building a graph)."""
    model.eval()
    with match.no_grad():
        logits = model(match.mat(X, requires_grad=False))
    model.train()
    return count_correct(logits, y)


def memory_needed(hidden: int, batch_size: int, backend: str) -> int:
    """A lower bound on the bytes a run holds at once, to refuse runs that cannot fit.

    Each parameter is held four times (its value, its gradient and Adam's two running averages),
    and the widest pass (the 360 test images, or a larger batch) holds the hidden layer's values
    before and after the ReLU. In pure Python a number costs 32 bytes (a float object and the
    list's pointer to it), with numpy or cupy 8.
    """
    n_params = (N_PIXELS + 1) * hidden + (hidden + 1) * N_CLASSES
    rows = max(N_TEST, min(batch_size, N_TRAIN))
    per_number = 32 if backend == "python" else 8
    return per_number * (4 * n_params + 2 * rows * hidden)


def memory_available() -> int | None:
    """The bytes this process may use: the smaller of the machine's memory and the address-space
    limit (`ulimit -v`), or None where neither can be read (then only a MemoryError tells)."""
    limits = []
    with contextlib.suppress(AttributeError, ValueError, OSError):  # Windows has no sysconf
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    except (ImportError, AttributeError, ValueError, OSError):  # no resource module on Windows
        pass
    return min(limits) if limits else None


def check_memory(args: argparse.Namespace, backend: str) -> str | None:
    """Why a run with these options cannot fit in memory, or None if it may."""
    needed = memory_needed(args.hidden, args.batch_size, backend)
    available = memory_available()
    if available is None or needed <= available:
        return None
    return (
        f"--hidden {args.hidden} needs at least {needed / 1e9:,.1f} GB of memory on the {backend} "
        f"backend, and this process may use {available / 1e9:,.1f} GB; try a smaller --hidden "
        f"(the default is {DEFAULTS['hidden']})"
    )


class Diverged(ArithmeticError):
    """The training loss became nan or inf: the learning rate is too large for the model."""


def train(
    args: argparse.Namespace,
    out: TextIO | None = None,
    live: bool | None = None,
    err: TextIO | None = None,
) -> dict[str, Any]:
    """Train and evaluate as the command line asks; returns the final numbers.

    Keys of the result: 'test_accuracy' (0..1), 'correct', 'total', 'seconds', and 'diverged'
    (True when the loss became nan or inf: training stopped there, after a warning on `err`).
    """
    if args.epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {args.epochs}")
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    start = time.perf_counter()
    match.manual_seed(args.seed)

    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    X_train, X_test = standardize(X_train, X_test)

    model = build_model(args.hidden)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    if args.optimizer == "adam":
        optimizer: optim.Optimizer = optim.Adam(model.parameters(), lr=args.lr)
    else:
        optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loader = DataLoader(X_train, y_train, batch_size=args.batch_size, shuffle=True, seed=args.seed)

    n_params = sum(p.nrow * p.ncol for p in model.parameters())
    backend = match.accel.current()
    print(
        f"Match {match.__version__}: training an MLP to read handwritten digits "
        f"({len(X_train)} training and {len(X_test)} test images of 8x8 pixels)",
        file=out,
    )
    print(
        f"model 64 -> {args.hidden} -> {N_CLASSES} ({n_params:,} parameters), batch "
        f"{args.batch_size}, {args.epochs} epoch{'s' if args.epochs != 1 else ''}, seed "
        f"{args.seed}, backend {backend}",
        file=out,
    )
    print(
        f"optimizer {args.optimizer}, learning rate {args.lr:g} falling to 0 along a cosine "
        f"curve; loss: cross-entropy with label smoothing {LABEL_SMOOTHING}, which levels off "
        f"near 1.2, not 0 (watch the accuracy)",
        file=out,
        flush=True,
    )

    progress = Progress(args.epochs, len(loader), stream=out, live=live)
    progress.start = start
    diverged = False
    for epoch in range(1, args.epochs + 1):
        total_loss, correct, seen = 0.0, 0, 0
        for done, (xb, yb) in enumerate(loader, start=1):
            # A little fresh noise on every batch: the network never sees exactly the same
            # image twice, so it learns the shapes of the digits rather than the exact pixels.
            xb = xb + match.randn(*xb.shape, requires_grad=False) * INPUT_NOISE
            logits = model(xb)
            loss = loss_fn(logits, yb)
            if not math.isfinite(loss.item()):  # nan or inf: nothing more can be learned
                diverged = True
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # Bookkeeping for the progress line (plain numbers, no graph).
            total_loss += loss.item() * len(yb)
            correct += count_correct(logits, yb)
            seen += len(yb)
            progress.batch(epoch, done, total_loss / seen, correct / seen)
        if diverged:
            if progress.live and progress._width:
                out.write("\n")
            print(
                f"{PROG}: warning: the loss became {loss.item()} in epoch {epoch}, batch {done}: "
                f"the learning rate {args.lr:g} is too large, so training stops here; try a "
                f"smaller --lr (the default is {DEFAULTS['lr']:g})",
                file=err,
                flush=True,
            )
            right = evaluate(model, X_test, y_test)
            break
        scheduler.step()
        right = evaluate(model, X_test, y_test)
        progress.epoch(epoch, total_loss / seen, correct / seen, right / len(y_test))

    seconds = time.perf_counter() - start
    print(
        f"test accuracy: {right / len(y_test):.1%} ({right}/{len(y_test)} digits) "
        f"in {seconds:.1f} s",
        file=out,
        flush=True,
    )
    return {
        "test_accuracy": right / len(y_test),
        "correct": right,
        "total": len(y_test),
        "seconds": seconds,
        "diverged": diverged,
    }


def _demos_package() -> tuple[Any, Any]:
    """`match.demos` when Match is installed; in a source checkout, where setup.py's mapping of
    demos/ to match.demos has not run, the repository's demos/ folder beside match/."""
    try:
        from match.demos import HERE, find
    except ModuleNotFoundError:
        import importlib.util
        from pathlib import Path

        init = Path(__file__).resolve().parent.parent / "demos" / "__init__.py"
        spec = importlib.util.spec_from_file_location("match.demos", init)
        if spec is None or spec.loader is None or not init.is_file():
            raise SystemExit("python -m match demos: the demos are not installed") from None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        HERE, find = module.HERE, module.find
    return HERE, find


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    """' (did you mean X?)' for the closest of `choices` to a mistyped `word`, or ''."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def demos(argv: Sequence[str]) -> int:
    """`python -m match demos [NAME] [--quick]`: list the demos, or run one as a script would.

    A demo's figures (with matplotlib installed) are saved as PNG files in the current folder,
    where the user is, not beside the installed demo file; MATCH_DEMO_PLOT_DIR overrides it.
    """
    HERE, find = _demos_package()

    found = find()
    short = [name.removeprefix("demo_") for name in found]
    parser = argparse.ArgumentParser(
        prog=f"{PROG} demos",
        description="List the demos that ship with Match, or run one.",
        epilog=(
            "Figures are saved as PNG files in the current folder if matplotlib is installed "
            "(MATCH_DEMO_PLOT_DIR=DIR saves them in DIR)."
        ),
    )
    parser.add_argument(
        "name", nargs="?", metavar="NAME", help="the demo to run: " + ", ".join(short)
    )
    parser.add_argument(
        "--quick", action="store_true", help="less data and fewer epochs (MATCH_DEMO_QUICK=1)"
    )
    args = parser.parse_args(argv)
    if args.name is None:
        for name, (_, summary) in found.items():
            print(f"{name.removeprefix('demo_'):<12} {summary}")
        print(f"\nRun one with: {PROG} demos NAME [--quick]. The files: {HERE}")
        return 0
    name = args.name.removesuffix(".py")
    name = name if name.startswith("demo_") else f"demo_{name}"
    if name not in found:
        hint = _did_you_mean(args.name.removeprefix("demo_"), short)
        parser.error(f"no demo called {args.name!r}{hint}; choose from: {', '.join(short)}")
    if args.quick:
        os.environ["MATCH_DEMO_QUICK"] = "1"
    # Save figures where the user is, not next to the installed demo file.
    os.environ.setdefault("MATCH_DEMO_PLOT_DIR", os.getcwd())
    runpy.run_path(str(found[name][0]), run_name="__main__")
    return 0


def backprop(argv: Sequence[str]) -> int:
    """`python -m match backprop "CODE"`: run CODE (Python that defines `loss`, with `match`
    imported) and print each step of `loss.backward()`: the node, the gradient arriving at it,
    its closure's source, and each input's gradient before and after (`match.tools.backprop`).

    A CODE that fails, or defines no `loss`, gives one line on stderr and status 2.
    """
    from match.tools.backprop import EXAMPLES, ProgramError, trace_program

    parser = argparse.ArgumentParser(
        prog=f"{PROG} backprop",
        description=(
            "Run CODE, Python that defines `loss` (`match` is imported), then step through "
            "loss.backward(): each node, the gradient arriving at it, its backward closure, and "
            "each input's gradient before and after."
        ),
        epilog=f'Example: {PROG} backprop "x = match.mat([[2.0]]); loss = (x * x).sum()"',
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="the program to trace")
    parser.add_argument(
        "--example", choices=list(EXAMPLES), help="trace one of the page's example programs"
    )
    args = parser.parse_args(argv)
    if (args.code is None) == (args.example is None):
        parser.error(f"give either CODE or --example NAME ({', '.join(EXAMPLES)})")
    code = EXAMPLES[args.example] if args.example else args.code
    try:
        trace, _ = trace_program(code, "CODE")
    except ProgramError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    print(trace.text())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits 2 on bad options).

    Status 0: trained; 1: the loss became nan or inf (after a warning); 2: a bad option, a
    missing backend, or a run too large for memory (one line on stderr, see `run` for the
    rest); 130: interrupted.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["demos"]:
        return demos(argv[1:])
    if argv[:1] == ["exercises"]:
        from match.exercises import main as exercises

        return exercises(argv[1:])
    if argv[:1] == ["backprop"]:
        return backprop(argv[1:])
    parser = build_parser()
    if argv and not argv[0].startswith("-"):  # a word where only options may be: a command?
        hint = _did_you_mean(argv[0], ["demos", "exercises", "backprop"])
        parser.error(
            f"unknown command {argv[0]!r}{hint}: the commands are 'demos', 'exercises' and "
            "'backprop' "
            f"({PROG} demos lists the demos); training takes options only"
        )
    args = parser.parse_args(argv)
    if match.backend.environment_error and args.accel is None:
        parser.exit(2, f"{parser.prog}: error: {match.backend.environment_error}\n")
    if args.accel is not None:
        try:
            match.accel.use(args.accel)
        except RuntimeError as error:
            parser.exit(2, f"{parser.prog}: error: {error}\n")
    too_big = check_memory(args, match.accel.current())
    if too_big:
        parser.exit(2, f"{parser.prog}: error: {too_big}\n")
    try:
        result = train(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except MemoryError:
        # The estimate of check_memory is a lower bound: a run just under it can still fail.
        parser.exit(
            2,
            f"{parser.prog}: error: out of memory with --hidden {args.hidden} and --batch-size "
            f"{args.batch_size}; try smaller ones\n",
        )
    return 1 if result["diverged"] else 0


def _stdout_to_devnull() -> None:
    """Point file descriptor 1 at the null device, so that Python's final flush of stdout, at
    exit, cannot fail again (the recipe of Python's documentation for SIGPIPE)."""
    # (nothing to do where no file descriptor lies behind sys.stdout)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class OutputError(OSError):
    """Standard output refused a write (a full disk, a broken file): an error of the run's
    surroundings, not of Match, reported in one line."""


class _CheckedStdout:
    """sys.stdout, with a failed write or flush raised as OutputError: `run` can then tell a
    failure to print from any other OSError. A BrokenPipeError passes as it is."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write `text` to the real stdout."""
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputError(error.errno, error.strerror) from error

    def flush(self) -> None:
        """Flush the real stdout."""
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputError(error.errno, error.strerror) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def run(argv: Sequence[str] | None = None) -> int:
    """`main` as the command line runs it: where stdout cannot be written, one line on stderr.

    A reader that leaves early (`python -m match | head -2`, a BrokenPipeError) ends the run
    quietly with status 1, as Python's documentation recommends. A closed stdout (`>&-`), or one
    that fails (`> /dev/full`: no space left) is an error: one line, status 2.
    """
    if sys.stdout is None:  # Python found no file descriptor 1 at start-up
        print(
            f"{PROG}: error: standard output is closed; give it somewhere to write "
            "(a terminal, a file or a pipe)",
            file=sys.stderr,
        )
        return 2
    real = sys.stdout
    sys.stdout = _CheckedStdout(real)  # type: ignore[assignment]
    try:
        try:
            status = main(argv)
        except SystemExit:  # argparse's --help and errors: flush what they printed, here
            sys.stdout.flush()
            raise
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return 1
    except OutputError as error:
        _stdout_to_devnull()
        print(f"{PROG}: error: cannot write to standard output: {error.strerror}", file=sys.stderr)
        return 2
    finally:
        sys.stdout = real
    return status


if __name__ == "__main__":
    sys.exit(run())
