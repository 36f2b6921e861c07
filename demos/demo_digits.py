# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reading handwritten digits
#
# Match ships a real dataset: 1,797 handwritten digits scanned at 8x8 pixels (the UCI
# "optical recognition of handwritten digits" data). We train a small MLP to read them, in
# pure Python, then look at *where* it goes wrong: a confusion matrix, and the digits it
# misread. This is the same recipe as `python -m match`, written out step by step.

# %%
"""Digits demo: an MLP learns to read 8x8 handwritten digits, then we study its mistakes."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

import math
import time

from match import nn, optim
from match.data import DataLoader, load_digits
from match.plotting import available, heading, image, line, panel, quick, show

match.manual_seed(0)

# %% [markdown]
# ## The data
#
# `load_digits` returns plain lists: each image is a row of 64 numbers (8 rows of 8 pixels,
# scaled to 0..1) and each label an int 0..9. The split is fixed: the first 1,437 images for
# training, the last 360 for testing. The test digits were written by *other people*, which
# makes the test honest, and harder.

# %%
heading("The data")
X_train, y_train = load_digits("train")
X_test, y_test = load_digits("test")
if quick(False, True):  # quick mode: a third of the training images
    X_train, y_train = X_train[:500], y_train[:500]
print(f"{len(X_train)} training images, {len(X_test)} test images, {len(X_train[0])} pixels each")

SHADES = " .:+#"


def ascii_digit(pixels: list[float]) -> list[str]:
    """An 8x8 image (64 values in 0..1) as 8 lines of text, two characters per pixel."""
    lines = []
    for r in range(8):
        row = pixels[8 * r : 8 * r + 8]
        lines.append("".join(SHADES[min(4, int(v * 5))] * 2 for v in row))
    return lines


def side_by_side(images: list[list[float]], captions: list[str]) -> None:
    """Print several ASCII digits next to each other, each with a caption below."""
    arts = [ascii_digit(img) for img in images]
    for r in range(8):
        print("   ".join(art[r] for art in arts))
    print("   ".join(f"{c:<16}" for c in captions))


side_by_side(X_train[:6], [f"label {y}" for y in y_train[:6]])

# %% [markdown]
# ## Preparing the pixels
#
# Networks learn faster when every input has a similar scale. We shift each pixel to mean 0
# and divide by its spread, using numbers from the training images only (and apply the same
# numbers to the test images). The `+ 0.1` keeps pixels that are almost always blank, like
# the corners, from being blown up.

# %%
heading("Preparing the pixels")
n = len(X_train)
means = [sum(col) / n for col in zip(*X_train)]
spreads = [
    math.sqrt(sum((v - m) ** 2 for v in col) / (n - 1)) + 0.1
    for col, m in zip(zip(*X_train), means)
]


def standardize(rows: list[list[float]]) -> list[list[float]]:
    """Shift and scale each pixel by the training images' mean and spread."""
    return [[(v - m) / s for v, m, s in zip(row, means, spreads)] for row in rows]


S_train, S_test = standardize(X_train), standardize(X_test)

# %% [markdown]
# ## Model and training
#
# 64 pixels -> 64 hidden ReLU units -> 10 scores, one per digit. Two tricks help the network
# read new handwriting rather than memorise the training writers:
#
# * **label smoothing** (`CrossEntropyLoss(label_smoothing=0.3)`): the target is about 70%
#   sure of the right digit instead of 100%, so the network cannot push its scores to
#   extremes;
# * **input noise**: every batch gets a little fresh random noise, so the network never sees
#   exactly the same image twice.
#
# The learning rate falls along a cosine curve from 0.02 to 0 (`CosineAnnealingLR`).

# %%
heading("Model and training")
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
print(model)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.3)
epochs = quick(20, 3)
optimizer = optim.Adam(model.parameters(), lr=0.02)
scheduler = optim.CosineAnnealingLR(optimizer, T_max=epochs)
loader = DataLoader(S_train, y_train, batch_size=32, shuffle=True, seed=0)


def predict(rows: list[list[float]]) -> list[int]:
    """The predicted digit for each row (no graph: this is evaluation)."""
    model.eval()
    with match.no_grad():
        scores = model(match.mat(rows, requires_grad=False))
    model.train()
    return [int(r[0]) for r in scores.argmax(1).tolist()]


def accuracy(rows: list[list[float]], labels: list[int]) -> float:
    """Fraction of the rows whose predicted digit is their label."""
    return sum(p == t for p, t in zip(predict(rows), labels)) / len(labels)


start = time.perf_counter()
history = []
for epoch in range(1, epochs + 1):
    total = 0.0
    for xb, yb in loader:
        xb = xb + match.randn(*xb.shape, requires_grad=False) * 0.3  # input noise
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
    scheduler.step()
    history.append((total / len(S_train), accuracy(S_test, y_test)))
    print(
        f"epoch {epoch:2d}  loss {history[-1][0]:.4f}  test accuracy {history[-1][1]:6.1%}  "
        f"{time.perf_counter() - start:5.1f} s"
    )

# %% [markdown]
# ## How good is it?
#
# Accuracy on the 360 test digits, then the **confusion matrix**: row = the true digit,
# column = what the network said. The diagonal counts the right answers; everything off the
# diagonal is a mistake, and shows which digits get confused with which.

# %%
heading("How good is it?")
predicted = predict(S_test)
right = sum(p == t for p, t in zip(predicted, y_test))
print(f"test accuracy: {right / len(y_test):.1%} ({right} of {len(y_test)})")

confusion = [[0] * 10 for _ in range(10)]
for p, t in zip(predicted, y_test):
    confusion[t][p] += 1

print("\n" + "true \\ said" + "  " + " ".join(f"{d:3d}" for d in range(10)))
for t in range(10):
    cells = " ".join(f"{c:3d}" if c else "  ." for c in confusion[t])
    print(f"{t:>11d}  {cells}")


# %%
show(
    "demo_digits_confusion",
    panel(
        image(confusion, numbers=True),
        title=f"confusion matrix (test accuracy {right / len(y_test):.1%})",
        xlabel="predicted digit",
        ylabel="true digit",
    ),
)

# %% [markdown]
# ## The misread digits
#
# Looking at the mistakes is the best way to understand a model. Many of them are digits that
# a person would also hesitate over.

# %%
heading("The misread digits")
mistakes = [i for i, (p, t) in enumerate(zip(predicted, y_test)) if p != t][:12]
print(f"{len(mistakes)} of the {len(y_test) - right} mistakes:")

show(
    "demo_digits_mistakes",
    *(
        panel(
            image([X_test[i][8 * r : 8 * r + 8] for r in range(8)], colors="gray"),
            title=f"{y_test[i]} read as {predicted[i]}",
            axes=False,
        )
        for i in mistakes
    ),
    columns=6,
)
if not available():  # no matplotlib: show them as text
    for first in range(0, len(mistakes), 6):
        group = mistakes[first : first + 6]
        side_by_side(
            [X_test[i] for i in group], [f"{y_test[i]} read as {predicted[i]}" for i in group]
        )
        print()


# %%
epochs_run = list(range(1, len(history) + 1))  # counted from 1, as the lines above
show(
    "demo_digits_training",
    panel(
        line(epochs_run, [h[0] for h in history]),
        title="training loss",
        xlabel="epoch",
        ylabel="cross-entropy (smoothed labels)",
    ),
    panel(
        line(epochs_run, [100 * h[1] for h in history]),
        title="test accuracy",
        xlabel="epoch",
        ylabel="% of test digits read right",
    ),
)

# %% [markdown]
# The training loss stays above 1 even when every training digit is right: that is label
# smoothing at work. With smoothing 0.3 the target puts 73% on the right digit and 3% on each
# of the other nine, and even a perfect match of that target has a cross entropy of 1.18.
