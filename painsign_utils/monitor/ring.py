"""A fixed-size ring buffer of float rows: the monitor's bounded memory over hours of video."""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """Fixed-size ring buffer of float rows (bounded memory), oldest first on read."""

    def __init__(self, size: int, width: int = 1):
        self.data = np.full((max(int(size), 1), width), np.nan)
        self.n = 0

    def push(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self.data.shape[1])
        size = self.data.shape[0]
        if len(rows) >= size:
            self.data[:] = rows[-size:]
            self.n += len(rows)
            # Rotate so that position n % size is the oldest, as for the incremental path.
            self.data[:] = np.roll(self.data, self.n % size, axis=0)
            return
        pos = self.n % size
        end = pos + len(rows)
        if end <= size:
            self.data[pos:end] = rows
        else:
            cut = size - pos
            self.data[pos:] = rows[:cut]
            self.data[: end - size] = rows[cut:]
        self.n += len(rows)

    def values(self) -> np.ndarray:
        size = self.data.shape[0]
        if self.n < size:
            return self.data[: self.n].copy()
        pos = self.n % size
        return np.concatenate([self.data[pos:], self.data[:pos]])
