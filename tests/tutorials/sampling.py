"""Ported: top-k sampling as nanoGPT's `generate` writes it (`v, _ = torch.topk(logits, k)`,
`logits[logits < v[:, [-1]]] = -float('Inf')`) and top-p (nucleus) filtering as the widely
copied `top_k_top_p_filtering` writes it (sort descending, cumsum of softmax, shift the mask
right, `logits[indices_to_remove] = -inf`), temperature, softmax, then one draw.

What changes: the draw. torch.multinomial's generator is not Match's, so each token is drawn
from a given uniform number by the inverse of the cumulative probabilities; the logits are a
(1, vocab) row, torch's (1, vocab) batch of one, and Match's `view(-1)` of it is the same row
(a new matrix: Match's views are copies, so the program assigns it, as this one does).
"""

from __future__ import annotations

from typing import Any


def top_k_top_p(lib: Any, logits: Any, top_k: int = 0, top_p: float = 1.0) -> Any:
    """Set the logits outside the top k, and outside the smallest set whose probability
    passes top_p, to -inf (in place, on a copy)."""
    F = lib.nn.functional
    logits = logits.clone()
    if top_k > 0:
        v, _ = lib.topk(logits, min(top_k, logits.size(-1)))
        logits[logits < v[:, [-1]]] = -float("Inf")
    if top_p < 1.0:  # written for one 1-D vector of logits
        logits = logits.view(-1)
        sorted_logits, sorted_indices = lib.sort(logits, descending=True)
        cumulative_probs = lib.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        sorted_indices_to_remove = cumulative_probs > top_p
        sorted_indices_to_remove[..., 1:] = sorted_indices_to_remove[..., :-1].clone()
        sorted_indices_to_remove[..., 0] = 0
        indices_to_remove = sorted_indices[sorted_indices_to_remove]
        logits[indices_to_remove] = -float("Inf")
        logits = logits.view(1, -1)
    return logits


def run(
    lib: Any, rows: list[list[float]], draws: list[float], settings: list[tuple[int, float]]
) -> tuple[list[list[float]], list[int]]:
    """Filter each row of logits with each (top_k, top_p), temperature 0.8; returns the
    probabilities and the drawn ids."""
    F = lib.nn.functional
    all_probs, ids = [], []
    for row, u in zip(rows, draws):
        for top_k, top_p in settings:
            logits = lib.tensor([row], requires_grad=False) / 0.8
            probs = F.softmax(top_k_top_p(lib, logits, top_k, top_p), dim=-1)
            all_probs.append(probs.tolist()[0])
            ids.append(int((probs.cumsum(-1) < u).sum().item()))
    return all_probs, ids
