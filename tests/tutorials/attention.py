"""Tutorial 2: a causal self-attention block, as "Let's build GPT" writes its `Head` and `Block`:
a lower-triangular mask registered as a buffer, `masked_fill(tril == 0, float('-inf'))`, then
softmax. The tutorial's (B, T, C) batch becomes one sequence, a (T, C) matrix. The task: predict,
at every position, the mean of the inputs so far, which only a causal model can see."""

from __future__ import annotations

from typing import Any


def build(lib: Any, n_embd: int = 8, block_size: int = 6) -> Any:
    """A pre-norm transformer block with one attention head, and a linear read-out."""
    nn = lib.nn
    F = lib.nn.functional

    class Head(nn.Module):
        def __init__(self, head_size: int) -> None:
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer("tril", lib.tril(lib.ones(block_size, block_size)))

        def forward(self, x: Any) -> Any:
            T, C = x.shape  # B, T, C = x.shape in the 3D tutorial
            k = self.key(x)
            q = self.query(x)
            wei = q @ k.T * k.size(-1) ** -0.5  # k.transpose(-2, -1) in 3D
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
            wei = F.softmax(wei, dim=-1)
            return wei @ self.value(x)

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.sa = Head(n_embd)
            self.ffwd = nn.Sequential(
                nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd)
            )
            self.ln1 = nn.LayerNorm(n_embd)
            self.ln2 = nn.LayerNorm(n_embd)

        def forward(self, x: Any) -> Any:
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class RunningMean(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = Block()
            self.out = nn.Linear(n_embd, n_embd)

        def forward(self, x: Any) -> Any:
            return self.out(self.block(x))

    return RunningMean()


def running_means(rows: list[list[float]]) -> list[list[float]]:
    """Row t: the mean of rows 0..t (the target)."""
    totals = [0.0] * len(rows[0])
    means = []
    for t, row in enumerate(rows):
        totals = [total + value for total, value in zip(totals, row)]
        means.append([total / (t + 1) for total in totals])
    return means


def train(lib: Any, model: Any, sequences: list[list[list[float]]]) -> list[float]:
    """AdamW, one sequence per step; returns every step's loss."""
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-2)
    loss_fn = lib.nn.MSELoss()
    losses = []
    for rows in sequences:
        x = lib.tensor(rows, requires_grad=False)
        target = lib.tensor(running_means(rows), requires_grad=False)
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
