"""Python results equal the CLI's result files bit for bit; load() gives the same objects;
results do not depend on threads; zero-copy hand-off of the dmft buffers."""

import json
import subprocess
import sys

import numpy as np
import pytest

import mrdmft

from conftest import GOOD

CFG = {
    "schema_version": 1,
    "model": {"g": [1.5, 1.2], "T": {"random": {"scale": 1.0, "seed": 3}}, "regions": 2},
    "dmft": {"dt": 0.05, "steps": 300, "seed": 4, "delta_rows": [0, 100], "record_every": 2},
}

ARRAYS = ["t", "S0", "S", "psi", "H", "delta_diag"]


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "mrdmft", "--quiet", *map(str, args)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    cfg = d / "cfg.json"
    cfg.write_text(json.dumps(CFG))
    out = d / "out.json"
    cli("dmft", cfg, "-o", out)
    return cfg, out, json.loads(out.read_text())


def strip_wall(x):
    """The JSON without its wall-clock times (the only fields that differ between two runs)."""
    if isinstance(x, dict):
        return {k: strip_wall(v) for k, v in x.items() if k != "wall_seconds"}
    if isinstance(x, list):
        return [strip_wall(v) for v in x]
    return x


def same_bits(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def test_dmft_arrays_bit_for_bit(cli_run):
    cfg, out, want = cli_run
    r = mrdmft.dmft(config=cfg, progress=False)
    for k in ARRAYS:
        assert same_bits(getattr(r, k), want[k]), k
    for got, w in zip(r.delta_rows, want["delta_rows"]):
        assert got.row == w["row"]
        assert same_bits(got.values, w["values"])
        assert same_bits(got.normalised, w["normalised"])
    # the same through keyword arguments
    m = mrdmft.Model(g=[1.5, 1.2], T={"random": {"scale": 1.0, "seed": 3}}, regions=2)
    r2 = mrdmft.dmft(m, dt=0.05, steps=300, seed=4, delta_rows=[0, 100], record_every=2,
                     progress=False)
    for k in ARRAYS:
        assert same_bits(getattr(r2, k), want[k]), k
    # and with the tensor built in Python
    m3 = mrdmft.Model(g=[1.5, 1.2], T=mrdmft.random_T(2, 1.0, seed=3))
    r3 = mrdmft.dmft(m3, dt=0.05, steps=300, seed=4, record_every=2, progress=False)
    assert same_bits(r3.S, want["S"])


def test_to_dict_and_save_match_the_cli(cli_run, tmp_path):
    cfg, out, want = cli_run
    r = mrdmft.dmft(config=cfg, progress=False)
    assert strip_wall(r.to_dict()) == strip_wall(want)
    assert r.config == want["config"]
    r.save(tmp_path / "py.json")
    saved = json.loads((tmp_path / "py.json").read_text())
    assert strip_wall(saved) == strip_wall(want)


def test_load_gives_the_same_result(cli_run):
    cfg, out, want = cli_run
    r = mrdmft.load(out)
    assert isinstance(r, mrdmft.DmftResult) and r.kind == "dmft"
    run = mrdmft.dmft(config=cfg, progress=False)
    for k in ARRAYS:
        assert same_bits(getattr(r, k), want[k]), k
        assert same_bits(getattr(r, k), getattr(run, k)), k
    assert sorted(r.keys()) == sorted(run.keys())
    assert r.delta_rows[1].values.shape == run.delta_rows[1].values.shape
    assert r.seed == 4 and r.steps == 300 and r.record_every == 2


def test_zero_copy_and_record_every():
    m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    r = mrdmft.dmft(m, dt=0.05, steps=101, seed=0, record_every=5, store_full=True,
                    progress=False)
    assert r.S.shape == (21, 2, 2)
    assert r.S.base is not None  # a view of the solver's buffer
    assert r.delta_full.shape == (101, 101, 2)
    np.testing.assert_array_equal(r.t, np.arange(0, 101, 5) * 0.05)


def test_threads_do_not_change_results():
    m = mrdmft.Model(g=[1.5, 1.5, 1.0], T=mrdmft.random_T(3, 0.8, seed=1))
    a = mrdmft.dmft(m, dt=0.05, steps=400, seed=2, delta_rows=[100], threads=1, progress=False)
    b = mrdmft.dmft(m, dt=0.05, steps=400, seed=2, delta_rows=[100], threads=2, progress=False)
    for k in ARRAYS:
        assert same_bits(getattr(a, k), getattr(b, k)), k
    sw = json.loads((GOOD / "sweep_tiny.json").read_text())
    sw["base"]["dmft"]["steps"] = 200
    s1 = mrdmft.sweep(sw, threads=1, progress=False)
    s2 = mrdmft.sweep(sw, threads=2, progress=False)
    np.testing.assert_array_equal(s1.codes, s2.codes)
    assert same_bits(s1.point_field("psi_final"), s2.point_field("psi_final"))


def test_sweep_grids(tmp_path):
    sw = json.loads((GOOD / "sweep_tiny.json").read_text())
    sw["base"]["dmft"]["steps"] = 200
    out = tmp_path / "sweep.json"
    s = mrdmft.sweep(sw, out=out, progress=False)
    assert isinstance(s, mrdmft.SweepResult)
    assert s.shape == (3, 3)
    assert s.mode.shape == (3, 3) and s.entropy.shape == (3, 3)
    assert s.counts.shape == (3, 3, 6) and s.counts.sum() == 3 * 3 * 2 * 2
    assert s.codes.shape == (3, 3, 2, 2)
    assert s.structured_variance.shape == (3, 3, 2)
    np.testing.assert_allclose(s.axis_values[0], [1.0, 1.75, 2.5])
    # the file written equals the returned result, and loads into the same grids
    on_disk = json.loads(out.read_text())
    d = s.to_dict()
    for x in (d, on_disk):
        x.pop("wall_seconds")
    assert d == on_disk
    s2 = mrdmft.load(out)
    np.testing.assert_array_equal(s2.codes, s.codes)
    np.testing.assert_array_equal(s2.mode, s.mode)
    # the same sweep through the command line
    cfg = tmp_path / "sweep_cfg.json"
    cfg.write_text(json.dumps(sw))
    cli("sweep", cfg, "-o", tmp_path / "cli.json")
    assert strip_wall(json.loads((tmp_path / "cli.json").read_text())) == strip_wall(d)


def test_other_kinds_match_the_cli(tmp_path):
    for name, cmd in [("spectrum_draw.json", "spectrum"), ("polytope_b.json", "polytope"),
                      ("fixed_points_make_t.json", "fixed-points")]:
        out = tmp_path / f"{name}.out.json"
        cli(cmd, GOOD / name, "-o", out)
        want = json.loads(out.read_text())
        r = mrdmft.run(GOOD / name, progress=False)
        d = r.to_dict()
        for x in (d, want):
            x.pop("wall_seconds")
        assert d == want, name
        back = mrdmft.load(out)
        assert back.kind == r.kind


def test_draw_T_matches_the_spectrum_command():
    d = mrdmft.draw_T(2, 1.6, 0.5, tol=0.01875, seed=0)
    r = mrdmft.spectrum(draw={"R": 2, "re": 1.6, "im": 0.5, "tol": 0.01875, "seed": 0},
                        progress=False)
    np.testing.assert_array_equal(d.T, r.T)
    assert d.draws == r.draw.draws
    assert abs(d.leading - complex(r.leading.re, r.leading.im)) == 0
    assert abs(d.leading.real - 1.6) < 0.01875


@pytest.mark.parametrize("name,cmd", [("network_simulate.json", "simulate"),
                                      ("simulate_rank2.json", "simulate"),
                                      ("sample_window_single.json", "sample")])
def test_simulate_and_sample_match_the_cli(tmp_path, name, cmd):
    out = tmp_path / "out.json"
    cli(cmd, GOOD / name, "-o", out)
    want = json.loads(out.read_text())
    r = mrdmft.run(GOOD / name, progress=False)
    assert r.kind == cmd
    assert strip_wall(r.to_dict()) == strip_wall(want)


def test_figure_writes_its_files(tmp_path):
    paths = mrdmft.figure("input_flip", out_dir=tmp_path, progress=False)
    assert set(paths) == {"json", "png", "svg"}
    assert all(p.stat().st_size > 0 for p in paths.values())


def test_model_broadcasts_a_scalar_g():
    assert mrdmft.Model(g=1.5, T={"make_T": {"a": [2, 2, 2], "b": [1, 1, 1]}}).g == [1.5] * 3
    assert mrdmft.Model(g=0.5, T=np.zeros((2, 2, 2))).g == [0.5, 0.5]


def test_simulate_measures_the_lyapunov_exponent_like_the_cli(tmp_path):
    out = tmp_path / "out.json"
    cli("simulate", GOOD / "network_lyapunov.json", "-o", out)
    want = json.loads(out.read_text())
    cfg = json.loads((GOOD / "network_lyapunov.json").read_text())
    net = dict(cfg["network"])
    r = mrdmft.simulate(cfg["model"], lyapunov=cfg["lyapunov"], name=cfg["name"],
                        progress=False, **net)
    got = r.to_dict()
    lw, lg = want["trials"][0]["lyapunov"], got["trials"][0]["lyapunov"]
    assert lg == lw
    # Region 1 is chaotic (g = 2) and drives the quiet region 2 through the currents.
    assert lg["regime"] == "chaos" and lg["exponent"] > 3 * lg["standard_error"]
    assert abs(sum(lg["region_share"]) - 1.0) < 1e-12
    with pytest.raises(mrdmft.ConfigError, match="lyapunov.d0"):
        mrdmft.simulate(cfg["model"], lyapunov={"d0": 1.0}, progress=False, **net)


def test_tanh_dmft_matches_the_cli_and_unsupported_scheme_is_refused(tmp_path):
    """phi = "tanh" reaches the two-time integrator through Model (Hermite-series kernel, E9):
    the Python result equals the CLI's bit for bit, the gains are finite and below 1, and the
    scheme that has no such kernel (reference_single) raises ConfigError naming model.phi."""
    model = mrdmft.Model(g=[1.2, 0.8], T={"make_T": {"a": [2.0, 1.5], "b": [2.5, 2.0]}},
                         phi="tanh")
    kw = dict(dt=0.05, steps=200, S0=[[0.3, 0.1], [0.2, 0.4]], scheme="accurate",
              initial_variance="own_g", progress=False)
    r = mrdmft.dmft(model, **kw)
    cfg = tmp_path / "tanh.json"
    cfg.write_text(json.dumps({"schema_version": 1, "model": model.to_config(),
                               "dmft": {k: v for k, v in kw.items() if k != "progress"}}))
    out = tmp_path / "tanh.out.json"
    cli("dmft", cfg, "-o", out)
    want = json.loads(out.read_text())
    for name in ARRAYS:
        assert same_bits(getattr(r, name), want[name]), name
    assert np.all(np.isfinite(r.psi)) and np.all((r.psi > 0) & (r.psi < 1))
    single = mrdmft.Model(g=[2.0], T=np.zeros((1, 1, 1)), phi="tanh")
    with pytest.raises(mrdmft.ConfigError, match="model.phi"):
        mrdmft.dmft(single, dt=0.05, steps=50, S0=[[0.0]], scheme="reference_single",
                    progress=False)
