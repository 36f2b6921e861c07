# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A small neural network draws curved boundaries
#
# One neuron separates two classes with a straight line. Put a layer of neurons with a
# non-linearity (here `Tanh`) between the input and the output, and the network can bend
# that line into any shape. We train such a multi-layer perceptron (MLP) on two toy problems
# that no straight line can solve, **moons** and **spirals**, and draw what it learned: the
# decision boundary. (Without matplotlib, it is drawn with characters.)

# %%
"""Classifier demo: an MLP learns the curved class boundaries of moons and spirals."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

import time

from match import nn, optim
from match.data import DataLoader, make_moons, make_spirals, train_test_split
from match.plotting import available, contour, heading, line, panel, points, quick, show

match.manual_seed(0)

# %% [markdown]
# ## The model and its training loop
#
# `nn.Sequential` chains layers: `Linear(2, H)` computes H weighted sums of the two
# coordinates, `Tanh` bends them, and so on until `Linear(H, 2)` outputs one score (a *logit*)
# per class. `nn.CrossEntropyLoss` turns the scores into probabilities with a softmax and
# measures how much probability the right class got. `DataLoader` serves the points in
# shuffled minibatches, and `optim.Adam` adapts the step size of each parameter.


# %%
def make_model(hidden: int) -> nn.Sequential:
    """An MLP from 2 coordinates through two Tanh layers of `hidden` units to 2 scores."""
    return nn.Sequential(
        nn.Linear(2, hidden),
        nn.Tanh(),
        nn.Linear(hidden, hidden),
        nn.Tanh(),
        nn.Linear(hidden, 2),
    )


def accuracy(model: nn.Module, X: list[list[float]], y: list[int]) -> float:
    """Fraction of the points X whose predicted class is their label in y."""
    with match.no_grad():
        predicted = model(match.mat(X, requires_grad=False)).argmax(1).tolist()
    return sum(int(p[0]) == t for p, t in zip(predicted, y)) / len(y)


def train(
    model: nn.Module, X: list[list[float]], y: list[int], epochs: int, lr: float
) -> list[float]:
    """Train with Adam on shuffled minibatches; return the mean loss of each epoch."""
    # drop_last: skip the short leftover batch at the end of each epoch; a batch of one or
    # two points gives a very noisy gradient that can throw a small network off course.
    loader = DataLoader(X, y, batch_size=32, shuffle=True, seed=0, drop_last=True)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total, seen = 0.0, 0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            seen += len(yb)
        losses.append(total / seen)
        if epoch % max(1, epochs // 5) == 0 or epoch == epochs:
            print(
                f"epoch {epoch:3d}  loss {losses[-1]:.4f}  train accuracy "
                f"{accuracy(model, X, y):6.1%}  {time.perf_counter() - start:5.1f} s"
            )
    return losses


# %% [markdown]
# ## Drawing the decision boundary
#
# To see what the network learned, ask it about every point of a grid covering the data and
# colour each grid point by the class it predicts. One forward pass on the whole grid does it.


# %%
def grid_predictions(
    model: nn.Module, X: list[list[float]], nx: int, ny: int, margin: float = 0.3
) -> tuple[list[float], list[float], list[list[float]]]:
    """Class-1 probability of the model on an ny x nx grid around the points X."""
    x_lo, x_hi = min(r[0] for r in X) - margin, max(r[0] for r in X) + margin
    y_lo, y_hi = min(r[1] for r in X) - margin, max(r[1] for r in X) + margin
    xs = [x_lo + (x_hi - x_lo) * i / (nx - 1) for i in range(nx)]
    ys = [y_hi - (y_hi - y_lo) * j / (ny - 1) for j in range(ny)]  # top row first
    points = [[x, y] for y in ys for x in xs]
    with match.no_grad():
        probs = model(match.mat(points, requires_grad=False)).softmax(1).tolist()
    grid = [[probs[j * nx + i][1] for i in range(nx)] for j in range(ny)]
    return xs, ys, grid


def ascii_boundary(
    model: nn.Module, X: list[list[float]], y: list[int], nx: int = 64, ny: int = 22
) -> str:
    """The decision regions as text, with a legend: '.' and ' ' for the regions the model
    gives to each class, 'x' and 'o' for the points."""
    xs, ys, grid = grid_predictions(model, X, nx, ny)
    canvas = [["." if p > 0.5 else " " for p in row] for row in grid]
    dx, dy = xs[1] - xs[0], ys[0] - ys[1]
    for (px, py), label in zip(X, y):
        i, j = round((px - xs[0]) / dx), round((ys[0] - py) / dy)
        canvas[j][i] = "x" if label else "o"
    border = "+" + "-" * nx + "+"
    legend = [
        "  o  a point of class 0       ' '  where the model says class 0",
        "  x  a point of class 1       '.'  where the model says class 1",
    ]
    return "\n".join([border] + ["|" + "".join(row) + "|" for row in canvas] + [border] + legend)


def plot_boundary(
    name: str, model: nn.Module, X: list[list[float]], y: list[int], title: str
) -> None:
    """Draw the model's decision regions and the points (as text if no figure can be drawn)."""
    xs, ys, grid = grid_predictions(model, X, 60, 60)

    def of_class(c: int) -> dict:
        """The points of class c, to plot."""
        rows = [r for r, label in zip(X, y) if label == c]
        return points([r[0] for r in rows], [r[1] for r in rows], label=f"class {c}")

    show(name, panel(contour(xs, ys, grid), of_class(0), of_class(1), title=title))
    if not available():
        print(ascii_boundary(model, X, y))


# %% [markdown]
# ## Moons
#
# Two interleaving half circles, with some noise. We keep a quarter of the points aside as a
# test set: the network never trains on them, so its accuracy there shows whether it learned
# the shape or just memorised the points.

# %%
heading("Moons")
X, y = make_moons(n_samples=quick(300, 120), noise=0.15, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
moons = make_model(hidden=16)
moon_losses = train(moons, X_train, y_train, epochs=quick(60, 15), lr=0.01)
print(f"moons test accuracy: {accuracy(moons, X_test, y_test):.1%}")

# %%
plot_boundary("demo_classifier_moons", moons, X, y, "moons: decision boundary")

# %% [markdown]
# ## Spirals
#
# Two arms winding around each other: a much harder shape. The same kind of network needs
# more units and more epochs, but gets there.

# %%
heading("Spirals")
X, y = make_spirals(n_samples=quick(300, 120), noise=0.03, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
spirals = make_model(hidden=32)
spiral_losses = train(spirals, X_train, y_train, epochs=quick(120, 15), lr=0.01)
print(f"spirals test accuracy: {accuracy(spirals, X_test, y_test):.1%}")

# %%
plot_boundary("demo_classifier_spirals", spirals, X, y, "spirals: decision boundary")


# %%
show(
    "demo_classifier_loss",
    panel(
        line(moon_losses, label="moons"),
        line(spiral_losses, label="spirals"),
        title="training loss",
        xlabel="epoch",
        ylabel="cross entropy",
        ylog=True,
    ),
)

# %% [markdown]
# Try it yourself: change `hidden`, remove a `Tanh` (the network becomes linear, and the
# boundary a straight line again), or swap `Tanh` for `ReLU` and see the boundary turn into
# straight pieces.
