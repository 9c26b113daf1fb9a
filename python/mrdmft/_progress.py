"""Progress bars from the native monitor's snapshots (tqdm.auto if installed: a text bar in a
terminal, a widget in Jupyter); nothing at all without tqdm or with ``progress=False``."""

from __future__ import annotations

from typing import Any, Optional

import warnings

try:  # optional dependency
    with warnings.catch_warnings():
        # tqdm.auto warns in Jupyter without ipywidgets, then draws a text bar: fine.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the environment
    _tqdm = None


class ProgressBar:
    """One bar per label of the run ("dmft", "sweep", ...), fed with (label, done, total)."""

    def __init__(self) -> None:
        self._bar: Optional[Any] = None
        self._label = ""

    def update(self, label: str, done: int, total: int) -> None:
        if _tqdm is None or total <= 0:
            return
        if self._bar is None or label != self._label:
            self.close()
            self._bar = _tqdm(total=total, desc=label or "mrdmft", leave=False, dynamic_ncols=True, delay=0.5)
            self._label = label
        if self._bar.total != total:
            self._bar.total = total
        if done != self._bar.n:
            self._bar.n = min(done, total)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
