# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Watch backpropagation happen, one closure at a time
#
# `loss.backward()` looks like magic: one call, and every parameter has its gradient. It is a
# walk. The forward pass recorded a graph; each node holds a small closure, `backward(g)`, that
# receives `g` = d(loss)/d(node) and adds each input's share, `g * d(node)/d(input)`, to that
# input's gradient. Backward visits the nodes from the loss back to the leaves and runs each
# closure once.
#
# `match.tools.trace_backward(loss)` runs exactly that backward and records every step: which
# node, the gradient arriving at it, the source of its closure (with its derivative comment),
# and each input's gradient before and after. In the browser, `backprop.html` draws the same
# trace as a graph and steps through it.

# %%
"""Backprop demo: step through backward node by node, with each closure and each gradient."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

from match.plotting import heading, line, panel, quick, show
from match.tools import trace_backward

# %% [markdown]
# ## One neuron
#
# `p = sigmoid(x @ w + b)` and the squared error `(p - 1)^2`. We name the matrices, so that
# the trace can call them by name.

# %%
heading("One neuron")
x = match.mat([[1.0, 2.0]], requires_grad=False)
w = match.mat([[0.5], [-0.25]])
b = match.mat([[0.1]])
x.name, w.name, b.name = "x", "w", "b"
p = (x @ w + b).sigmoid()
loss = ((p - 1.0) ** 2).sum()
print(f"p = {p.item():.4f}, loss = {loss.item():.4f}")

trace = trace_backward(loss)  # runs loss.backward(), and records it
print(f"{len(trace.nodes)} nodes, {len(trace)} backward steps")

# %% [markdown]
# ## Step by step
#
# Step 1 is the loss itself: backward seeds its gradient with ones (d loss / d loss = 1). Each
# later step is a node whose gradient is now complete, because every node that used it has
# already run. Read the closure: the comment is the derivative, and each `_accumulate` line is
# one arrow of the chain rule, from this node to one input. Watch the gradient shrink at the
# sigmoid (its slope `s (1 - s)` is at most 1/4), and `x`, a constant, get nothing.

# %%
heading("Step by step")
for k in range(len(trace)):
    print(trace.step_text(k), end="\n\n")

# %% [markdown]
# In a notebook the trace also shows itself as HTML, one collapsible block per step:

# %%
trace  # noqa: B018 (a notebook shows the value of a cell's last line: here, as HTML)

# %% [markdown]
# ## The same numbers by hand
#
# The chain rule written out: d loss/dp = 2 (p - 1), dp/dz = p (1 - p), and z = x w + b gives
# d loss/dw = x^T d loss/dz and d loss/db = d loss/dz. The trace's last updates are exactly
# `w.grad` and `b.grad`, and they agree with the hand computation.

# %%
heading("The same numbers by hand")
pv = p.item()
dz = 2 * (pv - 1) * pv * (1 - pv)
by_hand = [[1.0 * dz], [2.0 * dz]]
final = trace.gradients()  # each leaf's gradient after the walk, by node id
print("by hand:   dw =", [[round(v, 6) for v in row] for row in by_hand], " db =", round(dz, 6))
print("the trace: dw =", [[round(v, 6) for v in row] for row in final[1]])
assert final[1] == w.grad.tolist() and final[3] == b.grad.tolist()
assert all(abs(h[0] - g[0]) < 1e-12 for h, g in zip(by_hand, w.grad.tolist()))

# %% [markdown]
# ## A shared subexpression: gradients add up
#
# `y = x * x` is used three times in `y * y + y`. Backward does not visit `y` three times: each
# use sends its share, and the shares add up in `y.grad` (before -> after), so that when `y`'s
# own step comes, its gradient is complete. `y * y` even sends two shares from one closure.

# %%
heading("A shared subexpression")
x = match.mat([[1.5, -0.5]])
x.name = "x"
y = x * x
y.name = "y"
shared = trace_backward((y * y + y).sum())
for step in shared.steps:
    for update in step["updates"]:
        if update["input"] == 1:  # y
            before = update["before"] or "none yet"
            print(f"{step['op']:>4} sends to y: {before} -> {update['after']}")
print("y's step receives the total:", shared.steps[-1]["grad"])

# %% [markdown]
# ## A broadcast bias: the gradient is summed back
#
# A (1, 2) bias added to each row of a (3, 2) matrix is used three times, once per row. The
# `add` closure sends a (3, 2) gradient, and `_accumulate` sums it over the rows, so that the
# bias gets a gradient of its own shape.

# %%
heading("A broadcast bias")
h = match.mat([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=False)
bias = match.mat([[0.5, -0.5]])
h.name, bias.name = "h", "bias"
broadcast = trace_backward((h + bias).tanh().sum())
print(broadcast.step_text(len(broadcast) - 1))

# %% [markdown]
# ## A 2-layer MLP with cross-entropy
#
# The same walk for a classifier's training step. The plot shows the size of the gradient
# arriving at each step (its largest entry): it starts at 1 at the loss and changes at every
# closure on the way back, which is what "vanishing" and "exploding" gradients are about.

# %%
heading("A 2-layer MLP")
match.manual_seed(0)
batch = quick(8, 4)
model = match.nn.Sequential(match.nn.Linear(2, 4), match.nn.ReLU(), match.nn.Linear(4, 3))
for name, parameter in model.named_parameters():
    parameter.name = name  # "0.weight", ...
inputs = match.randn(batch, 2, requires_grad=False)
mlp = trace_backward(
    match.nn.functional.cross_entropy(model(inputs), [k % 3 for k in range(batch)])
)
sizes = [max(abs(v) for row in step["grad"] for v in row) for step in mlp.steps]
for k, (step, size) in enumerate(zip(mlp.steps, sizes)):
    print(f"step {k + 1:2d}  {mlp.label(step['node']):<28} largest gradient arriving {size:.4f}")
show(
    "demo_backprop",
    panel(
        line(list(range(1, len(sizes) + 1)), sizes),
        title="the gradient arriving at each step",
        xlabel="backward step",
        ylabel="largest |gradient|",
    ),
)
params = dict(model.named_parameters())
final = mlp.gradients()
same = all(
    final[n["id"]] == params[n["name"]].grad.tolist()
    for n in mlp.nodes
    if n["leaf"] and n["name"] in params
)
print("the trace agrees with backward:", same)
