"""Result objects: attribute access to every field of a result file, arrays as numpy."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["Record", "Result", "DmftResult", "SweepResult", "wrap_result"]


def _wrap(x: Any) -> Any:
    if isinstance(x, dict):
        return Record(x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


class Record:
    """A JSON object of a result: fields as attributes (``r.values``) and items (``r["values"]``).

    Rectangular numeric lists are float64 numpy arrays (``null`` -> NaN; int64 when every entry
    is an integer, bool when every entry is a bool); lists of objects are lists of Records.
    """

    __slots__ = ("_d",)

    def __init__(self, d: Dict[str, Any]):
        object.__setattr__(self, "_d", {k: _wrap(v) for k, v in d.items()})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._d[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no field {name!r}; fields: {', '.join(self._d)}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("result fields are read-only")

    def __getitem__(self, name: str) -> Any:
        return self._d[name]

    def __contains__(self, name: object) -> bool:
        return name in self._d

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def keys(self):
        return self._d.keys()

    def items(self):
        return self._d.items()

    def get(self, name: str, default: Any = None) -> Any:
        return self._d.get(name, default)

    def __dir__(self) -> List[str]:
        return sorted(set(self._d) | set(object.__dir__(self)))

    def __repr__(self) -> str:
        parts = []
        for k, v in self._d.items():
            if isinstance(v, np.ndarray):
                parts.append(f"{k}=array{tuple(v.shape)}")
            elif isinstance(v, list):
                parts.append(f"{k}=[{len(v)}]")
            elif isinstance(v, (Record, dict)):
                parts.append(f"{k}={{...}}")
            else:
                parts.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Result(Record):
    """A run's result: every field of the result file the CLI writes, as attributes.

    ``config`` is the echoed config as a plain dict; ``to_dict()`` gives the whole file as plain
    Python objects (what ``json.load`` of the file gives) and ``save(path)`` writes the same
    file as the CLI.
    """

    __slots__ = ("_native",)

    def __init__(self, fields: Dict[str, Any], native: Any):
        config = fields.get("config")
        super().__init__({k: v for k, v in fields.items() if k != "config"})
        if config is not None:
            self._d["config"] = config
        object.__setattr__(self, "_native", native)

    @property
    def kind(self) -> str:
        """The result kind ("dmft", "sweep", ...)."""
        return self._native.kind

    @property
    def warnings(self) -> List[Dict[str, Any]]:
        """Where the run left the range in which its numerics hold: one ``{"what", "where",
        "first_step"}`` per field with non-finite or out-of-range numbers; ``[]`` if nowhere."""
        return list(self.to_dict().get("warnings") or [])

    def to_dict(self) -> Dict[str, Any]:
        """The result file's JSON as plain Python objects (dicts, lists, floats)."""
        return self._native.to_dict()

    def to_json(self, pretty: bool = True) -> str:
        """The result file's JSON text, as the CLI writes it."""
        return self._native.to_json(pretty)

    def save(self, path: "os.PathLike[str] | str") -> None:
        """Write the result file exactly as the CLI does (atomically)."""
        self._native.save(os.fspath(path))

    def __repr__(self) -> str:
        return f"<mrdmft {self.kind} result: {super().__repr__()}>"


class DmftResult(Result):
    """Result of :func:`mrdmft.dmft` (two-time integrator, E6-E9).

    Arrays (entry q is step ``q * record_every``, time ``t[q]``):

    - ``t[q]``; ``S[q, m, n]`` = S^{mn}; ``psi[q, m]``; ``H[q, m, n]``; ``delta_diag[q, m]`` =
      Delta^m(t, t);
    - ``delta_rows[k]`` with ``row`` (i), ``values[k, m]`` = Delta^m(t_i, t_i + k dt) and
      ``normalised[k, m]``; ``delta_full[i, j, m]`` when ``store_full`` was set;
    - with inputs (E19): ``I[q, m]`` (the amplitude) and ``I_filtered[q, m]`` (the filtered input);
    - ``S0`` (the initial currents used), ``dt``, ``steps``, ``record_every``, ``seed``,
      ``wall_seconds``, ``config``.

    From a run the arrays are the solver's own buffers (no copy).
    """

    __slots__ = ()


def _grid_property(field: str, doc: str, fill: float = np.nan, dtype: Any = float) -> property:
    """A read-only property: the cells' ``field`` as :meth:`SweepResult.grid` shapes it."""
    return property(lambda self: self.grid(field, fill=fill, dtype=dtype), doc=doc)


class SweepResult(Result):
    """Result of :func:`mrdmft.sweep`: the file's fields plus the cell grids as numpy arrays.

    ``shape`` is the grid (one entry per real axis); ``axis_values[a]`` the grid values of
    axis a. Grids (NaN or -1 where a cell is not complete): ``mode``, ``entropy``, ``counts``
    (shape + (6,)), ``mode_by_region`` (shape + (R,)), ``structured_variance`` (shape + (R,)),
    ``decorrelation``; ``codes`` are the per-run classes, shape + (runs, R) (EQUATIONS.md section 4:
    0 invalid, 1 chaos, 2 FP + chaos, 3 FP, 4 LC + chaos, 5 LC; -1 for a missing point).
    """

    __slots__ = ()

    @property
    def shape(self) -> Tuple[int, ...]:
        """Grid shape: the number of values of each real axis."""
        return tuple(len(a.values) for a in self.axes[: self.n_axes])

    @property
    def axis_values(self) -> List[np.ndarray]:
        """Grid values of each real axis."""
        return [np.asarray(a.values, dtype=float) for a in self.axes[: self.n_axes]]

    @property
    def axis_labels(self) -> List[str]:
        """Labels of the real axes."""
        return [a.label for a in self.axes[: self.n_axes]]

    def _index(self, cell: Sequence[int]) -> Tuple[int, ...]:
        return tuple(int(c) for c in cell[: self.n_axes])

    def grid(self, field: str, fill: float = np.nan, dtype: Any = float) -> np.ndarray:
        """The cells' ``field`` (``mode``, ``entropy``, ``counts``, ``structured_variance``,
        ``decorrelation``, ``mode_by_region``) as an array of ``shape`` + the field's shape."""
        cells = self.cells
        extra: Tuple[int, ...] = ()
        for c in cells:
            v = c.get(field)
            if v is not None:
                extra = np.shape(v)
                break
        out = np.full(self.shape + extra, fill, dtype=dtype)
        for c in cells:
            v = c.get(field)
            if v is not None:
                out[self._index(c.cell)] = v
        return out

    mode = _grid_property("mode", "Most frequent class code of each cell (-1: cell not complete).", -1, np.int64)
    entropy = _grid_property("entropy", "Shannon entropy (bits) of each cell's codes.")
    counts = _grid_property("counts", "Counts of each code 0..5 over runs x regions, shape + (6,).", 0, np.int64)
    mode_by_region = _grid_property(
        "mode_by_region", "Mode over runs of each region's code, shape + (R,).", -1, np.int64
    )
    structured_variance = _grid_property(
        "structured_variance", "Mean structured variance A^m (E15) of each cell, shape + (R,)."
    )
    decorrelation = _grid_property("decorrelation", "Mean decorrelated fraction of each cell, shape + (R,).")

    @property
    def codes(self) -> np.ndarray:
        """Per-run class codes, shape + (runs, R); -1 for points not in this file."""
        out = np.full(self.shape + (self.runs, self.regions), -1, dtype=np.int64)
        for p in self.points:
            out[self._index(p.cell) + (int(p.run),)] = p.codes
        return out

    def point_field(self, field: str) -> np.ndarray:
        """A per-point field (``psi_final``, ``s_final``, ``delta_diag_final``, ...) as an array of
        shape + (runs,) + the field's shape (NaN for missing points)."""
        extra: Tuple[int, ...] = ()
        for p in self.points:
            v = p.get(field)
            if v is not None:
                extra = np.shape(v)
                break
        out = np.full(self.shape + (self.runs,) + extra, np.nan)
        for p in self.points:
            v = p.get(field)
            if v is not None:
                out[self._index(p.cell) + (int(p.run),)] = v
        return out


_CLASSES = {"dmft": DmftResult, "sweep": SweepResult}


def wrap_result(pair: Optional[Tuple[Dict[str, Any], Any]]) -> Optional[Result]:
    """Wrap the native core's ``(fields, native)`` pair in the result class of its kind."""
    if pair is None:
        return None
    fields, native = pair
    return _CLASSES.get(native.kind, Result)(fields, native)
