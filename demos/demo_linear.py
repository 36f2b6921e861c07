# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Linear regression with Match
#
# The smallest useful model: a straight line, `y = w x + b`. We fit it to noisy points by
# **gradient descent**, writing every step of the training loop out by hand:
#
# 1. *forward*: compute the predictions and the loss (how wrong they are),
# 2. *backward*: `loss.backward()` fills in `w.grad` and `b.grad`, the slope of the loss
#    with respect to each parameter,
# 3. *update*: move each parameter a small step against its gradient.
#
# Then we do the same in 2D with the ready-made pieces `match.nn.Linear`, `nn.MSELoss` and
# `optim.SGD`, which are exactly those three steps packaged.
#
# Run it as a script (`python demos/demo_linear.py`) or open it as a notebook with jupytext.

# %%
"""Linear regression demo: fit a line by hand-written gradient descent, then a plane."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

from match import nn, optim
from match.data import make_regression
from match.plotting import heading, line, panel, points, quick, show

match.manual_seed(0)

# %% [markdown]
# ## The data
#
# `make_regression` draws inputs from a normal distribution and makes targets
# `y = x * w_true + bias + noise`. It returns plain Python lists; `match.mat` turns them into
# matrices. Rows are examples, so `X` is (N, 1) and `Y` is (N, 1) too.
# Inputs are data, not parameters, so they are made with `requires_grad=False`.

# %%
heading("The data")
N = quick(100, 30)
xs, ys, w_true = make_regression(n_samples=N, n_features=1, noise=2.0, bias=3.0, seed=1, coef=True)
X = match.mat(xs, requires_grad=False)
Y = match.mat([[y] for y in ys], requires_grad=False)
print(f"{N} points, X {X.shape}, Y {Y.shape}; the true line is y = {w_true[0]:.3f} x + 3.000")

# %% [markdown]
# ## The training loop, written out
#
# The parameters are two 1x1 matrices that *do* track gradients (the default). The loss is the
# mean squared error, `mean((prediction - y)^2)`. After `loss.backward()`, `w.grad` holds
# d(loss)/dw; we step against it and reset the gradients, because Match (like PyTorch) adds
# new gradients to old ones.

# %%
heading("The training loop, written out")
w = match.zeros(1, 1)  # start from the flat line y = 0
b = match.zeros(1, 1)
lr = 0.1
steps = quick(60, 30)
losses = []

for step in range(steps):
    prediction = X @ w + b  # (N, 1) @ (1, 1) + (1, 1): b is broadcast to every row
    loss = ((prediction - Y) ** 2).mean()

    loss.backward()  # fills w.grad and b.grad

    w.data = w.data - lr * w.grad  # one step downhill
    b.data = b.data - lr * b.grad
    w.zero_grad()
    b.zero_grad()

    losses.append(loss.item())
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3d}  loss {loss.item():8.4f}  w {w.item():7.4f}  b {b.item():7.4f}")

print(f"learned  y = {w.item():.3f} x + {b.item():.3f}")
print(f"true     y = {w_true[0]:.3f} x + 3.000   (the noise keeps them from matching exactly)")

# %% [markdown]
# The loss falls fast, then flattens out: the line fits, and what is left is the noise in the
# data, which no line can explain.


# %%
lo, hi = min(r[0] for r in xs), max(r[0] for r in xs)
show(
    "demo_linear_1d",
    panel(line(losses), title="loss", xlabel="step", ylabel="mean squared error", ylog=True),
    panel(
        points([r[0] for r in xs], ys, label="data"),
        line([lo, hi], [w.item() * lo + b.item(), w.item() * hi + b.item()], label="fitted line"),
        title="fit",
    ),
)

# %% [markdown]
# ## The same in 2D, with `nn` and `optim`
#
# Two inputs now: `y = w1 x1 + w2 x2 + b`, a plane. `nn.Linear(2, 1)` holds a (1, 2) weight and
# a (1, 1) bias and computes `x @ weight.T + bias`; `nn.MSELoss()` is the loss above;
# `optim.SGD` does the update and `zero_grad` for every parameter of the model. The loop
# keeps its three steps: forward, backward, update.

# %%
heading("The same in 2D, with `nn` and `optim`")
xs2, ys2, w_true2 = make_regression(
    n_samples=N, n_features=2, noise=1.0, bias=-2.0, seed=2, coef=True
)
X2 = match.mat(xs2, requires_grad=False)
Y2 = match.mat([[y] for y in ys2], requires_grad=False)

model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
losses2 = []

for _ in range(steps):
    loss = loss_fn(model(X2), Y2)  # forward
    optimizer.zero_grad()
    loss.backward()  # backward
    optimizer.step()  # update
    losses2.append(loss.item())

learned = model.weight.tolist()[0]
print(f"final loss {losses2[-1]:.4f}")
print(f"learned  w = [{learned[0]:.3f}, {learned[1]:.3f}], b = {model.bias.item():.3f}")
print(f"true     w = [{w_true2[0]:.3f}, {w_true2[1]:.3f}], b = -2.000")

# %% [markdown]
# A plane is hard to draw on a page, so we check the fit another way: each point's prediction
# against its true value. A perfect model puts every point on the diagonal.

# %%
with match.no_grad():  # evaluation only: no graph needed
    predicted = [row[0] for row in model(X2).tolist()]

lo, hi = min(ys2), max(ys2)
show(
    "demo_linear_2d",
    panel(line(losses2), title="loss (2D)", xlabel="step", ylog=True),
    panel(
        points(ys2, predicted),
        line([lo, hi], [lo, hi], dashed=True),
        title="predictions (2D)",
        xlabel="true y",
        ylabel="predicted y",
    ),
)

# %% [markdown]
# ## What next
#
# * `demo_neuron.py` looks inside `backward()` for a single neuron.
# * `demo_classifier.py` stacks layers with a non-linearity in between to fit curved shapes.
