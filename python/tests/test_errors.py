"""One validation for the CLI and Python: bad input raises ConfigError (a ValueError) with the
CLI's message naming the field; no Rust panic crosses into Python."""

import json
import subprocess
import sys

import numpy as np
import pytest

import mrdmft

from conftest import GOOD


def model2(**kw):
    args = dict(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    args.update(kw)
    return mrdmft.Model(**args)


def test_exception_hierarchy():
    assert issubclass(mrdmft.ConfigError, ValueError)
    assert issubclass(mrdmft.ConfigError, mrdmft.MrdmftError)
    assert issubclass(mrdmft.MrdmftError, RuntimeError)


def test_wrong_shape_of_T():
    with pytest.raises(mrdmft.ConfigError, match=r"model\.T"):
        mrdmft.dmft(mrdmft.Model(g=[1.5, 1.5], T=np.zeros((2, 2))), dt=0.05, steps=10, seed=0,
                    progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"model\.T"):
        mrdmft.dmft(mrdmft.Model(g=[1.5, 1.5], T=np.zeros((2, 3, 2))), dt=0.05, steps=10,
                    seed=0, progress=False)


def test_negative_g():
    with pytest.raises(mrdmft.ConfigError, match=r"g") as e:
        mrdmft.dmft(model2(g=[-1.0, 1.5]), dt=0.05, steps=10, seed=0, progress=False)
    assert "-1" in str(e.value)


def test_g_length_mismatch():
    with pytest.raises(mrdmft.ConfigError, match=r"g"):
        mrdmft.dmft(model2(g=[1.5, 1.5, 1.5]), dt=0.05, steps=10, seed=0, progress=False)


def test_bad_dmft_fields_name_the_field():
    with pytest.raises(mrdmft.ConfigError, match=r"dmft\.S0"):
        mrdmft.dmft(model2(), dt=0.05, steps=10, progress=False)  # neither S0 nor seed
    with pytest.raises(mrdmft.ConfigError, match=r"dmft\.scheme"):
        mrdmft.dmft(model2(), dt=0.05, steps=10, seed=0, scheme="euler", progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"dmft\.record_every"):
        mrdmft.dmft(model2(), dt=0.05, steps=10, seed=0, record_every=0, progress=False)


def test_unknown_field():
    cfg = {"schema_version": 1,
           "model": {"g": [1.5], "T": [[[0.0]]]},
           "dmft": {"dt": 0.05, "steps": 10, "seed": 0, "stepz": 3}}
    with pytest.raises(mrdmft.ConfigError, match=r"unknown field `stepz`"):
        mrdmft.dmft(config=cfg, progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"unknown field `stepz`"):
        mrdmft.validate(cfg)
    cfg["dmft"].pop("stepz")
    cfg["model"]["Tee"] = 1
    with pytest.raises(mrdmft.ConfigError, match=r"unknown field `Tee`"):
        mrdmft.run(cfg, progress=False)


def test_wrong_kind():
    stationary = json.loads((GOOD / "stationary_fig4.json").read_text())
    with pytest.raises(mrdmft.ConfigError, match=r"stationary config; it cannot be run as dmft"):
        mrdmft.dmft(config=stationary, progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"not a sweep"):
        mrdmft.sweep(stationary, progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"kind \"dmtf\" is unknown"):
        mrdmft.run({"kind": "dmtf"}, progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"cannot tell which command"):
        mrdmft.validate({"schema_version": 1})


def test_result_file_given_as_config(tmp_path):
    r = mrdmft.dmft(model2(), dt=0.05, steps=20, seed=0, progress=False)
    out = tmp_path / "res.json"
    r.save(out)
    with pytest.raises(mrdmft.ConfigError, match=r"is a dmft result|result file"):
        mrdmft.run(out, progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"is a dmft result|result file"):
        mrdmft.validate(str(out))
    with pytest.raises(mrdmft.ConfigError, match=r"is a dmft result|result file"):
        mrdmft.dmft(config=out, progress=False)
    # and the other way round: a config given to load()
    with pytest.raises(mrdmft.ConfigError, match=r"not a result"):
        mrdmft.load(GOOD / "dmft_two_region.json")


def test_figure_errors():
    with pytest.raises(mrdmft.ConfigError, match=r"unknown figure \"fig9\""):
        mrdmft.figure("fig9", progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"preset \"huge\""):
        mrdmft.figure("fig6", preset="huge", progress=False)


def test_missing_file_is_mrdmft_error(tmp_path):
    with pytest.raises(mrdmft.MrdmftError, match=r"nope\.json"):
        mrdmft.load(tmp_path / "nope.json")


def test_builders_raise_config_error():
    with pytest.raises(mrdmft.ConfigError, match=r"b"):
        mrdmft.make_T([1.0, 2.0], [1.0])
    with pytest.raises(mrdmft.ConfigError, match=r"scale"):
        mrdmft.random_T(2, -1.0, seed=0)
    with pytest.raises(mrdmft.MrdmftError, match=r"max_draws"):
        mrdmft.draw_T(2, 1.6, 0.5, tol=1e-6, seed=0, max_draws=3)


def test_panic_never_crosses():
    job = mrdmft._core._panic_for_test()
    while not job.wait(0.05):
        pass
    with pytest.raises(mrdmft.MrdmftError, match=r"internal error: deliberate panic"):
        job.take()


def test_same_message_as_cli(tmp_path, root):
    cfg = {"schema_version": 1, "model": {"g": [1.5, -2.0], "T": np.zeros((2, 2, 2)).tolist()},
           "dmft": {"dt": 0.05, "steps": 10, "seed": 0}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(cfg))
    with pytest.raises(mrdmft.ConfigError) as e:
        mrdmft.dmft(config=path, progress=False)
    p = subprocess.run([sys.executable, "-m", "mrdmft", "validate", str(path)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert str(e.value) in p.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.json")))
def test_good_configs_validate(name):
    kind = mrdmft.validate(GOOD / name)
    assert kind in {"dmft", "stationary", "fixed_points", "spectrum", "polytope", "sample",
                    "simulate", "compare", "sweep"}


def test_type_errors_name_the_field():
    with pytest.raises(mrdmft.ConfigError, match=r"dmft\.steps`?: invalid type"):
        mrdmft.dmft(mrdmft.Model(g=[1.5], T=[[[0.0]]]), dt=0.05, steps="ten", seed=0,
                    progress=False)
    with pytest.raises(mrdmft.ConfigError, match=r"model\.g\[0\]`?: invalid type"):
        mrdmft.dmft(mrdmft.Model(g=["a"], T=[[[0.0]]]), dt=0.05, steps=10, seed=0,
                    progress=False)
    # Every kind names the field of a type error (the same message as the CLI).
    with pytest.raises(mrdmft.ConfigError, match=r"fixed_points\.batch`?: invalid type"):
        mrdmft.fixed_points(mrdmft.Model(g=[0.0], T=mrdmft.make_T([2.0], [2.0])), batch="x",
                            t_run=10, seed=0, progress=False)


def test_a_run_out_of_range_carries_warnings():
    # g = 1e60 is below the model check's 1e100 but drives Delta(t, t) ~ g^2 = 1e120 past the
    # range of the closed forms (E6-E9): the result says where, instead of silent numbers.
    wild = mrdmft.dmft(mrdmft.Model(g=[1e60], T=[[[0.0]]]), dt=0.05, steps=30, S0=[[0.0]], progress=False)
    where = [w["where"] for w in wild.warnings]
    assert "delta_diag" in where, wild.warnings
    assert all(w["what"] for w in wild.warnings)
    good = mrdmft.dmft(model2(), dt=0.05, steps=20, seed=0, progress=False)
    assert good.warnings == []
