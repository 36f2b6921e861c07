# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # One neuron, one gradient step at a time
#
# A neuron takes a weighted sum of its inputs plus a bias and squashes it with the sigmoid
# function: `p = sigmoid(x1 w1 + x2 w2 + b)`, a number between 0 and 1. Here it learns the
# logical **AND** of two inputs: p should be near 1 for (1, 1) and near 0 otherwise.
#
# We turn on Match's backward **trace** to watch `loss.backward()` walk the graph, check its
# gradients against the chain rule done by hand, and print every gradient step of training.

# %%
"""Neuron demo: trace backward through one sigmoid neuron and train it on logical AND."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

import logging
import sys

from match.plotting import heading, line, panel, points, quick, show

# The trace writes to the logger "match.trace". Sending log lines to standard output keeps
# them in order with the printed text (by default they would go to standard error).
logging.basicConfig(stream=sys.stdout, format="    trace: %(message)s", level=logging.WARNING)

# %% [markdown]
# ## Data and parameters
#
# Four examples, one per row. `w` is a (2, 1) column of weights, `b` a (1, 1) bias: both
# track gradients. We start them at small fixed values so that every run prints the same
# numbers.

# %%
heading("Data and parameters")
X = match.mat([[0, 0], [0, 1], [1, 0], [1, 1]], requires_grad=False)
Y = match.mat([[0], [0], [0], [1]], requires_grad=False)  # AND
w = match.mat([[0.1], [-0.2]])
b = match.mat([[0.0]])

# %% [markdown]
# ## Forward
#
# `z = X @ w + b` is the weighted sum for all four examples at once, `p = sigmoid(z)` the
# neuron's outputs. The loss is the binary cross entropy,
# `mean(-(y log p + (1 - y) log(1 - p)))`: small when p is close to y.

# %%
heading("Forward")
z = X @ w + b
p = z.sigmoid()
loss = -(Y * p.log() + (1 - Y) * (1 - p).log()).mean()
print("outputs p:", [round(row[0], 4) for row in p.tolist()])
print(f"loss: {loss.item():.4f}")

# %% [markdown]
# ## Backward, traced
#
# Inside `with match.trace():` every backward step is logged: which operation passes the
# gradient on, and to which inputs (with their shapes). Reading from the top, the gradient
# flows from the loss back through the `neg` and `mean`, the arithmetic of the cross entropy,
# the `sigmoid`, the `add` of the bias and the `matmul`, down to the leaves: the data `X`
# (4, 2), the weights `w` (2, 1) and the bias `b` (1, 1).

# %%
heading("Backward, traced")
with match.trace():
    loss.backward()

print("dloss/dw =", [round(row[0], 6) for row in w.grad.tolist()])
print("dloss/db =", round(b.grad.item(), 6))

# %% [markdown]
# ## The same gradients by hand
#
# For a sigmoid followed by cross entropy the chain rule simplifies nicely:
# `dloss/dz = (p - y) / N` for each example. Then `z = X w + b` gives
# `dloss/dw = X^T (p - y) / N` and `dloss/db = sum(p - y) / N`. Plain Python lists:

# %%
heading("The same gradients by hand")
rows, ps, ys = X.tolist(), [r[0] for r in p.tolist()], [r[0] for r in Y.tolist()]
n = len(rows)
dz = [(pi - yi) / n for pi, yi in zip(ps, ys)]
dw_hand = [sum(rows[i][j] * dz[i] for i in range(n)) for j in range(2)]
db_hand = sum(dz)
print("by hand:  dw =", [round(v, 6) for v in dw_hand], " db =", round(db_hand, 6))
assert all(abs(a - c[0]) < 1e-12 for a, c in zip(dw_hand, w.grad.tolist()))
assert abs(db_hand - b.grad.item()) < 1e-12
print("Match's backward agrees with the chain rule.")

# %% [markdown]
# ## Gradient descent, step by step
#
# Each step: forward, backward, then move every parameter against its gradient,
# `w <- w - lr * dloss/dw`, and clear the gradients. The table shows the gradient that each
# step used and where it moved the parameters. Watch the gradients shrink as the loss falls.

# %%
heading("Gradient descent, step by step")
w.zero_grad()
b.zero_grad()
lr = 2.0
steps = quick(300, 60)
losses = []
print(" step     loss   dloss/dw1 dloss/dw2   dloss/db  ->    w1      w2       b")
for step in range(steps):
    p = (X @ w + b).sigmoid()
    loss = -(Y * p.log() + (1 - Y) * (1 - p).log()).mean()
    loss.backward()
    g1, g2 = (row[0] for row in w.grad.tolist())
    gb = b.grad.item()
    w.data = w.data - lr * w.grad
    b.data = b.data - lr * b.grad
    w.zero_grad()
    b.zero_grad()
    losses.append(loss.item())
    if step < 5 or (step + 1) % (steps // 6) == 0:
        w1, w2 = (row[0] for row in w.tolist())
        print(
            f"{step:5d}  {loss.item():7.4f}  {g1:9.5f} {g2:9.5f}  {gb:9.5f}  -> "
            f"{w1:7.3f} {w2:7.3f} {b.item():7.3f}"
        )

# %% [markdown]
# After training, the neuron's outputs are close to the AND table:

# %%
with match.no_grad():
    outputs = (X @ w + b).sigmoid().tolist()
for (x1, x2), (out,), (target,) in zip(X.tolist(), outputs, Y.tolist()):
    print(f"AND({x1:.0f}, {x2:.0f}) = {target:.0f}   neuron says {out:.3f}")

# %% [markdown]
# The neuron draws a straight line through the input plane: on one side `z > 0` (p > 0.5),
# on the other `z < 0`. A single neuron can only separate classes with a straight line, which
# is why XOR needs more than one; see `demo_classifier.py`.

# %%
w1, w2 = (row[0] for row in w.tolist())
bias = b.item()


def inputs_with(target: int) -> dict:
    """The inputs whose AND is `target`, as points to plot."""
    rows = [x for x, (t,) in zip(X.tolist(), Y.tolist()) if t == target]
    return points([r[0] for r in rows], [r[1] for r in rows], label=f"AND = {target}")


def on_the_line(x1: float) -> float:
    """The x2 where z = x1 w1 + x2 w2 + b = 0: the neuron's decision line, where p = 0.5."""
    return -(bias + w1 * x1) / w2


show(
    "demo_neuron",
    panel(line(losses), title="loss", xlabel="step", ylog=True),
    panel(
        inputs_with(0),
        inputs_with(1),
        line([-0.75, 1.75], [on_the_line(-0.75), on_the_line(1.75)], dashed=True),
        title="decision line (p = 0.5)",
        xlim=(-0.75, 1.75),  # not -0.5: the two axes' "-0.5" labels would meet in the corner
        ylim=(-0.75, 1.75),
    ),
)
