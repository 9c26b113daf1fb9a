"""Time-dependent inputs in the DMFT (E19) through the package: a step into a region without
disorder or structure has the closed form I~ = c (1 - exp(-t)), Delta(t, t) = I~^2; a pulse
into a self-sustained region collapses its current and routes the input (the good config
dmft_inputs_pulse.json, run from a dict)."""

import json

import numpy as np
import pytest

import mrdmft

from conftest import GOOD


def test_step_input_closed_form():
    m = mrdmft.Model(g=[0.0], T=[[[0.0]]])
    c = 0.8
    r = mrdmft.dmft(
        m, dt=0.01, steps=400, S0=[[0.0]], scheme="accurate", initial_variance=[0.0],
        inputs={"schedule": [{"from": 0, "I": [c]}]}, progress=False,
    )
    t = r.t
    want = c * (1.0 - np.exp(-t))
    assert r.I.shape == (400, 1) and np.all(r.I == c)
    np.testing.assert_allclose(r.I_filtered[:, 0], want, atol=1e-13)
    np.testing.assert_allclose(r.delta_diag[:, 0], want**2, atol=1e-13)


def test_pulse_switches_a_generator_into_routing():
    cfg = json.loads((GOOD / "dmft_inputs_pulse.json").read_text())
    r = mrdmft.dmft(config=cfg, progress=False)
    at = lambda t: int(round(t / 0.05))  # noqa: E731
    s11 = np.sqrt(2 * (1 / 0.25 - 1) / np.pi / 6)  # psi_inv(1/2) / 6, E15 with U = 6 I
    assert r.S[at(19.5), 0, 0] == pytest.approx(s11, abs=2e-3)
    assert r.S[at(26), 0, 0] < 0.4 * s11  # the self-loop collapses during the pulse
    assert r.S[at(24), 1, 0] > 0.4  # the input is routed into region 2
    assert r.S[at(55), 0, 0] == pytest.approx(s11, abs=2e-3)  # and back
    assert abs(r.S[at(55), 1, 0]) < 1e-2


def test_bad_inputs_name_the_field():
    m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    with pytest.raises(mrdmft.ConfigError, match=r"dmft\.inputs\.V"):
        mrdmft.dmft(m, dt=0.05, steps=50, seed=1, progress=False,
                    inputs={"schedule": [{"from": 0, "I": [1.0, 0.0]}], "V": [[0.5]]})
