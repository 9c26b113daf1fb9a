"""Python-side overhead of the mrdmft package (numbers recorded in BENCHMARKS.md).

1. dmft at the Fig. 5 size (R = 2, steps = 2500, dt = 0.05, g = 1.5, a random T): the whole
   Python call `mrdmft.dmft(...)` (config dict, check, worker thread, waiting, hand-off to
   numpy, result object) against the Rust call `mrdmft::runs::dmft::run` alone, timed in Rust
   in the same process (`mrdmft._core._time_dmft`), interleaved: minima and the median of
   the paired ratios.
2. Conversion of a 10^7-element result to numpy: a dmft run with `store_full`
   (2236^2 x 2 doubles) handed over without a copy (the time of `Job.take()`), against the
   generic JSON-value converter (what `load()` does after parsing) and a plain numpy copy of
   the same 80 MB.

Usage: python python/bench/overhead.py [--reps N]
"""

import argparse
import json
import statistics
import time

import numpy as np

import mrdmft
from mrdmft import _core


def fig5_model():
    return mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.6 / np.sqrt(2), seed=5))


def bench_overhead(reps):
    model = fig5_model()
    kw = dict(dt=0.05, steps=2500, seed=3)
    cfg = {"schema_version": 1, "model": model.to_config(),
           "dmft": {"dt": 0.05, "steps": 2500, "seed": 3}}
    cfg["model"]["T"] = np.asarray(model.T).tolist()
    # warm up (page faults, thread pool)
    mrdmft.dmft(model, progress=False, **kw)
    _core._time_dmft(cfg, 1)
    rust, py, py_bar = [], [], []
    for _ in range(reps):
        rust += _core._time_dmft(cfg, 1)
        t0 = time.perf_counter()
        mrdmft.dmft(model, progress=False, **kw)
        py.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        mrdmft.dmft(model, progress=True, **kw)
        py_bar.append(time.perf_counter() - t0)
    # On a shared machine single timings are noisy: report the minima (the least disturbed
    # runs) and the median of the paired ratios (each Python call against the Rust run just
    # before it).
    r, p, pb = (min(x) for x in (rust, py, py_bar))
    ratio = statistics.median(b / a for a, b in zip(rust, py))
    ratio_bar = statistics.median(b / a for a, b in zip(rust, py_bar))
    return {
        "rust_run_min_s": r,
        "python_call_min_s": p,
        "python_call_with_progress_min_s": pb,
        "overhead_of_minima_pct": 100 * (p - r) / r,
        "overhead_with_progress_of_minima_pct": 100 * (pb - r) / r,
        "median_paired_ratio": ratio,
        "median_paired_ratio_with_progress": ratio_bar,
        "rust_run_median_s": statistics.median(rust),
        "python_call_median_s": statistics.median(py),
        "reps": reps,
    }


def bench_conversion():
    model = fig5_model()
    steps = 2236  # 2236^2 x 2 regions = 1.0e7 doubles in delta_full
    job = _core.start_dmft(
        {"schema_version": 1, "model": {"g": [1.5, 1.5], "T": np.asarray(model.T).tolist()},
         "dmft": {"dt": 0.05, "steps": steps, "seed": 3, "store_full": True}},
        None, None)
    while not job.wait(0.05):
        pass
    t0 = time.perf_counter()
    fields, native = job.take()
    take_s = time.perf_counter() - t0
    full = fields["delta_full"]
    assert full.shape == (steps, steps, 2) and full.dtype == np.float64
    n = full.size
    # a view of the buffer numpy adopted from Rust (no copy was made: see the timings)
    assert not full.flags.owndata and full.base is not None
    t0 = time.perf_counter()
    np.copy(full)
    copy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    generic = native.fields()
    generic_s = time.perf_counter() - t0
    assert np.array_equal(generic["delta_full"], full)
    return {
        "elements": n,
        "zero_copy_take_s": take_s,
        "numpy_copy_s": copy_s,
        "generic_converter_s": generic_s,
        "take_over_copy": take_s / copy_s,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=31)
    args = ap.parse_args()
    out = {"dmft_fig5": bench_overhead(args.reps), "conversion_1e7": bench_conversion()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
