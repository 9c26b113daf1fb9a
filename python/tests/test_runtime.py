"""Ctrl-C, progress output and the GIL: long runs release the GIL, KeyboardInterrupt cancels
them promptly (a sweep keeps its checkpoint), progress=False prints nothing."""

import _thread
import json
import threading
import time

import numpy as np
import pytest

import mrdmft

from conftest import GOOD


def long_sweep():
    sw = json.loads((GOOD / "sweep_tiny.json").read_text())
    sw["base"]["dmft"]["steps"] = 2500
    sw["runs"] = 200
    return sw  # 1800 points of 2500 steps: tens of seconds on 2 cores if not interrupted


def test_keyboard_interrupt_keeps_the_checkpoint(tmp_path):
    """The interrupt comes once the checkpoint holds a finished point (not after a fixed
    delay, which a fast machine can outrun), and the sweep must stop promptly after it."""
    out = tmp_path / "long.json"
    ckpt = tmp_path / "long.json.checkpoint.jsonl"
    fired = {}
    stop = threading.Event()

    def points_done():
        try:
            return sum(1 for ln in ckpt.read_text().splitlines() if ln.strip()) - 1
        except OSError:
            return 0

    def interrupt_after_first_point():
        deadline = time.monotonic() + 60.0
        while not stop.is_set() and time.monotonic() < deadline:
            if points_done() >= 1:
                fired["t"] = time.monotonic()
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=interrupt_after_first_point)
    watcher.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            mrdmft.sweep(long_sweep(), out=out, progress=False)
    finally:
        stop.set()
        watcher.join()
    t1 = time.monotonic()
    assert "t" in fired, f"the sweep ended in {t1 - t0:.1f} s without a checkpointed point"
    assert t1 - fired["t"] < 1.5, f"took {t1 - fired['t']:.2f} s to stop"
    assert ckpt.exists()
    lines = [ln for ln in ckpt.read_text().splitlines() if ln.strip()]
    assert "config_hash" in json.loads(lines[0])  # header, then one line per finished point
    points = [json.loads(ln) for ln in lines[1:]]
    assert 1 <= len(points) < 1800
    assert all("index" in p and "codes" in p for p in points)
    assert not out.exists()  # no result: the sweep did not finish


def test_gil_is_released_while_computing():
    """Another Python thread keeps running while a dmft run computes."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    th = threading.Thread(target=ticker)
    th.start()
    m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    t0 = time.monotonic()
    mrdmft.dmft(m, dt=0.05, steps=2500, seed=1, progress=False)
    t1 = time.monotonic()
    stop.set()
    th.join()
    during = [t for t in ticks if t0 <= t <= t1]
    assert len(during) >= 0.3 * (t1 - t0) / 0.005 or (t1 - t0) < 0.05


def test_progress_false_prints_nothing(capfd):
    m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    mrdmft.dmft(m, dt=0.05, steps=1500, seed=1, progress=False)
    sw = json.loads((GOOD / "sweep_tiny.json").read_text())
    sw["base"]["dmft"]["steps"] = 100
    mrdmft.sweep(sw, progress=False)
    mrdmft.stationary(b=[2.0], g=[1.5, 2.5], progress=False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_bar_from_the_monitor(capfd, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(mrdmft._progress, "DELAY", 0.0)
    sw = json.loads((GOOD / "sweep_tiny.json").read_text())
    sw["base"]["dmft"]["steps"] = 1500
    mrdmft.sweep(sw, progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    assert "sweep" in err  # the tqdm bar, labelled by the run


def test_module_cli_help_and_version():
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "mrdmft", "--version"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and mrdmft.__version__ in p.stdout
    p = subprocess.run([sys.executable, "-m", "mrdmft", "frobnicate"], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "frobnicate" in p.stderr


def test_help_names_the_equations():
    assert "E6-E9" in mrdmft.dmft.__doc__
    assert "E15" in mrdmft.make_T.__doc__
    assert "E16" in mrdmft.draw_T.__doc__
    assert "E11-E13" in mrdmft.stationary.__doc__
    assert np.ndim(mrdmft.random_T(3, 1.0, 0)) == 3
