# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A character-level language model with a GRU
#
# A language model reads text one character at a time and guesses the next one. Trained on
# a short story, it picks up which letters follow which, then whole words; sampling from its
# guesses writes new text in the style of the story.
#
# The model is a **recurrent network**: a `GRUCell` carries a *hidden state*, a vector that
# summarises what it has read so far, from one character to the next. We sample text before
# training (gibberish) and after (something that looks like the story).

# %%
"""Sequence demo: a GRU character-level language model learns to write a short story."""

try:
    import match
except ModuleNotFoundError:  # Match not installed: use the copy in the repository around us
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
    sys.path.insert(0, os.path.dirname(here))
    import match

import random
import time

from match import nn, optim
from match.plotting import heading, line, panel, quick, show

match.manual_seed(0)

# %% [markdown]
# ## The text
#
# A short story written for this demo. Its small vocabulary and repeated phrases make it
# learnable by a small model in a minute of pure Python.

# %%
heading("The text")
TEXT = """\
the cat sat on the mat and the dog sat on the log.
the cat saw the dog and the dog saw the cat.
a small cat ran to the mat. a big dog ran to the log.
the sun was warm and the mat was warm and the log was warm.
the cat and the dog sat in the sun all day long.
when the sun went down, the cat went to the mat
and the dog went to the log, and all was still.
in the morning the sun came up and the cat sat on the log
and the dog sat on the mat, and the cat and the dog were glad.
"""

chars = sorted(set(TEXT))
index = {c: i for i, c in enumerate(chars)}  # character -> number
V = len(chars)
data = [index[c] for c in TEXT]
print(f"{len(TEXT)} characters, {V} different ones: {''.join(chars)!r}")

# %% [markdown]
# ## The model
#
# Three parts, applied at every time step:
#
# * `Embedding(V, E)`: a learned vector of E numbers for each character;
# * `GRUCell(E, H)`: mixes the character's vector into the hidden state `h` (H numbers). Its
#   gates decide how much of the old state to keep and how much to overwrite;
# * `Linear(H, V)`: turns the hidden state into one score per character: the guess for the
#   next one.
#
# Matrices are 2D, so a batch of B sequences is processed one time step at a time: at step t
# the input is the B characters at position t, and `h` is a (B, H) matrix.


# %%
class CharModel(nn.Module):
    """Embedding, GRU cell and linear head: scores for the next character at each step."""

    def __init__(self, vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(vocab, embed)
        self.cell = nn.GRUCell(embed, hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(
        self, columns: list[list[int]], h: match.Matrix | None = None
    ) -> tuple[list[match.Matrix], match.Matrix]:
        """columns: one list of B character numbers per time step. Returns the scores at
        every step (a list of (B, V) matrices) and the last hidden state."""
        scores = []
        for column in columns:
            h = self.cell(self.embed(column), h)
            scores.append(self.head(h))
        return scores, h


E, H = 16, quick(32, 16)
model = CharModel(V, E, H)
print(model)
print(f"{sum(p.nrow * p.ncol for p in model.parameters()):,} parameters")

# %% [markdown]
# ## Sampling
#
# To write text, feed the model a starting string, then repeatedly turn the scores for the
# next character into probabilities (softmax), draw a character at random with those
# probabilities, and feed it back in. The *temperature* divides the scores first: below 1 the
# model plays safe, above 1 it takes chances.


# %%
def sample(
    model: CharModel,
    start: str = "the ",
    length: int = 150,
    temperature: float = 0.7,
    seed: int = 0,
) -> str:
    """Feed `start`, then draw `length` more characters from the model's softmax."""
    rng = random.Random(seed)
    out = list(start)
    with match.no_grad():
        scores, h = model([[index[c]] for c in start])  # read the start, one char at a time
        last = scores[-1]
        for _ in range(length):
            probs = (last * (1.0 / temperature)).softmax(1).tolist()[0]
            c = rng.choices(range(V), weights=probs)[0]
            out.append(chars[c])
            scores, h = model([[c]], h)
            last = scores[-1]
    return "".join(out)


print("before training:\n" + sample(model))

# %% [markdown]
# ## Training
#
# Each step takes B random windows of T + 1 characters from the text. The model reads the
# first T characters of each window and is scored, with cross entropy, on guessing the next
# character at every position; the loss is the mean over the T steps.
# `loss.backward()` then sends the gradient back through all T steps of the recurrence
# ("backpropagation through time"). `clip_grad_norm_` caps the size of the gradient, a
# standard guard for recurrent networks, whose gradients can occasionally blow up.

# %%
heading("Training")
T, B = quick(16, 8), quick(16, 8)
steps = quick(150, 6)
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.02)
rng = random.Random(1)
losses = []
start = time.perf_counter()
for step in range(1, steps + 1):
    starts = [rng.randrange(len(data) - T) for _ in range(B)]
    windows = [data[s : s + T + 1] for s in starts]
    inputs = [[w[t] for w in windows] for t in range(T)]  # T columns of B characters
    targets = [[w[t + 1] for w in windows] for t in range(T)]

    scores, _ = model(inputs)
    loss = sum((loss_fn(s, y) for s, y in zip(scores, targets)), match.zeros(1, 1)) * (1.0 / T)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

    losses.append(loss.item())
    if step % max(1, steps // 10) == 0 or step == steps:
        recent = losses[-max(1, steps // 10) :]
        print(
            f"step {step:4d}  loss {sum(recent) / len(recent):.3f}  "
            f"{time.perf_counter() - start:5.1f} s"
        )

# %% [markdown]
# A loss of ln(V) = 3.3 means guessing uniformly among the characters; a loss well below 1
# means the model usually knows what comes next.

# %%
print("after training:\n" + sample(model))
print("\na bolder sample (temperature 1.0):\n" + sample(model, "the dog ", temperature=1.0, seed=1))


# %%
show(
    "demo_sequence_loss",
    panel(
        line(losses),
        title="training loss",
        xlabel="step",
        ylabel="cross entropy per character",
    ),
)

# %% [markdown]
# Things to try: a longer text (any plain text file works: build `chars` from it), a bigger
# hidden state, `nn.LSTMCell` instead of the GRU (it returns `(h, c)` as its state), or a
# lower temperature.
