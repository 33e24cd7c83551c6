"""The baseline the Transformer must beat: a 2nd-order Markov chain over the same event tokens.

P(w | u, v) with Witten-Bell interpolation (trigram -> bigram -> add-one unigram), a standard
parameter-free smoothing, so the baseline needs no tuning on the validation pieces. Counts are kept
as sorted numpy keys; scoring is vectorised.
"""

from __future__ import annotations

import numpy as np


def _counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, counts = np.unique(keys, return_counts=True)
    return uniq, counts


def _lookup(uniq: np.ndarray, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if len(uniq) == 0:
        return np.zeros(len(keys))
    idx = np.clip(np.searchsorted(uniq, keys), 0, len(uniq) - 1)
    return np.where(uniq[idx] == keys, counts[idx], 0).astype(np.float64)


class MarkovModel:
    def __init__(self, vocab_size: int) -> None:
        self.v = vocab_size

    def fit(self, sequences: list[np.ndarray]) -> MarkovModel:
        v = self.v
        tri = np.concatenate([(s[:-2] * v + s[1:-1]) * v + s[2:] for s in sequences if len(s) >= 3])
        bi = np.concatenate([s[:-1] * v + s[1:] for s in sequences if len(s) >= 2])
        uni = np.concatenate(list(sequences))
        self.uni = np.bincount(uni, minlength=v).astype(np.float64)
        self.tri_keys, self.tri_counts = _counts(tri)
        self.bi_keys, self.bi_counts = _counts(bi)
        # context totals and distinct followers, for Witten-Bell
        ctx3 = self.tri_keys // v
        self.c3_keys, self.c3_types = _counts(ctx3)
        self.c3_totals = np.bincount(np.searchsorted(self.c3_keys, ctx3), weights=self.tri_counts)
        ctx2 = self.bi_keys // v
        self.c2_keys, self.c2_types = _counts(ctx2)
        self.c2_totals = np.bincount(np.searchsorted(self.c2_keys, ctx2), weights=self.bi_counts)
        return self

    def prob(self, u: np.ndarray, w_prev: np.ndarray, w: np.ndarray) -> np.ndarray:
        v = self.v
        p1 = (self.uni[w] + 1.0) / (self.uni.sum() + v)
        c2 = _lookup(self.c2_keys, self.c2_totals, w_prev)
        t2 = _lookup(self.c2_keys, self.c2_types, w_prev)
        n2 = _lookup(self.bi_keys, self.bi_counts, w_prev * v + w)
        p2 = np.where(c2 > 0, (n2 + t2 * p1) / np.maximum(c2 + t2, 1e-12), p1)
        ctx = u * v + w_prev
        c3 = _lookup(self.c3_keys, self.c3_totals, ctx)
        t3 = _lookup(self.c3_keys, self.c3_types, ctx)
        n3 = _lookup(self.tri_keys, self.tri_counts, ctx * v + w)
        return np.where(c3 > 0, (n3 + t3 * p2) / np.maximum(c3 + t3, 1e-12), p2)

    def sequence_nll(self, seq: np.ndarray, first_target: int = 2) -> tuple[float, int]:
        """Summed NLL (nats) of seq[first_target:] given the two tokens before each."""
        targets = np.arange(first_target, len(seq))
        p = self.prob(seq[targets - 2], seq[targets - 1], seq[targets])
        return float(-np.log(p).sum()), len(targets)
