"""Progress bars from the native monitor's snapshots (tqdm.auto if installed: a text bar in a
terminal, a widget in Jupyter); nothing at all without tqdm or with ``progress=False``."""

from __future__ import annotations

import time
from typing import Any, Optional

import warnings

try:  # optional dependency
    with warnings.catch_warnings():
        # tqdm.auto warns in Jupyter without ipywidgets, then draws a text bar: fine.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the environment
    _tqdm = None


#: Seconds a run must take before its bar is drawn.
DELAY = 0.5


class ProgressBar:
    """One bar per label of the run ("dmft", "sweep", ...), fed with (label, done, total).

    Nothing is drawn for runs that finish within ``delay`` seconds."""

    def __init__(self, delay: Optional[float] = None) -> None:
        self._bar: Optional[Any] = None
        self._label = ""
        self._start = time.monotonic()
        self._delay = DELAY if delay is None else delay

    def update(self, label: str, done: int, total: int) -> None:
        if _tqdm is None or total <= 0 or time.monotonic() - self._start < self._delay:
            return
        if self._bar is None or label != self._label:
            self.close()
            self._bar = _tqdm(total=total, desc=label or "mrdmft", leave=False,
                              dynamic_ncols=True, initial=min(done, total))
            self._label = label
            return
        if self._bar.total != total:
            self._bar.total = total
        step = min(done, total) - self._bar.n
        if step > 0:
            self._bar.update(step)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
