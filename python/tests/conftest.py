"""Shared fixtures: the repository root and the project's reference data (tests/data/)."""

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOOD = ROOT / "tests" / "configs" / "good"


def load_data(name):
    """Parse tests/data/<name> (null -> None)."""
    with open(DATA / name) as f:
        return json.load(f)


def arr(x):
    """A reference array (null -> NaN)."""
    def conv(v):
        if isinstance(v, list):
            return [conv(u) for u in v]
        return np.nan if v is None else v
    return np.asarray(conv(x), dtype=float)


def max_abs_diff(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.size == b.size, f"size mismatch {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a.reshape(-1) - b.reshape(-1)))) if a.size else 0.0


@pytest.fixture
def root():
    return ROOT
