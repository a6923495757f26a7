"""Every command with bad values: one clear line on stderr, a non-zero exit, no traceback, nothing written.

One row per case: (command line, fragments the error line must hold). ``{model}`` is a tiny trained model
directory, ``{tmp}`` a fresh folder, ``{file}`` an existing plain file, ``{nan_stats}`` FID statistics holding
NaN. Add rows as commands and options grow.
"""

from __future__ import annotations

import numpy as np
import pytest

from gankit.training import train
from tests.conftest import assert_one_line_error

MATRIX = [
    # run / interpolate / arithmetic
    ("run {model} --n 0", "--n must be at least 1"),
    ("run {model} --seed -1", "seeds must be in"),
    ("run {model} --seed 9223372036854775807 --n 2", "seeds must be in"),
    ("run {model} --truncation 0", "--truncation"),
    ("run {model} --truncation nan", "--truncation"),
    ("run {model} --out {tmp}/x.mp3", "cannot write .mp3"),
    ("run {model} --n 1000000000000 --out {tmp}/x.png", "making 1,000,000,000,000 samples takes about", "--n"),
    ("interpolate {model} --steps 100000000000 --out {tmp}/w.gif", "takes about", "use fewer --steps"),
    ("arithmetic {model} --a 0-99999999999 --b 1 --c 2", "more than 100,000 seeds"),
    ("run {model} --nrow -2 --out {tmp}/x.png", "nrow", "at least 0"),
    ("run {model} --fps nan --out {tmp}/x.gif", "fps", "finite"),
    ("run {model} --fps 0 --out {tmp}/x.gif", "fps", "at least"),
    ("run {model} --scale 0 --out {tmp}/x.png", "scale"),
    ("run {model} --device tpu", "not a device name"),
    ("run {model} --device meta", "--device meta"),
    ("run {model} --out {file}/x.png", "{file}"),
    ("run nosuchmodel", "no model 'nosuchmodel'"),
    ("run {model}/config.json", "config.json is a file", "MODEL is a model directory"),
    ("interpolate {model} --steps 1 --out {tmp}/w.gif", "--steps"),
    ("interpolate {model} --from -3", "seeds must be in"),
    ("arithmetic {model} --a x --b 1 --c 2", "--a"),
    ("arithmetic {model} --a 1 --b 2", "--c"),
    # train
    ("train dcgan --out {tmp}/r --steps 0", "--steps must be at least 1"),
    ("train dcgan --out {tmp}/r --batch-size 0", "--batch-size must be at least 1"),
    ("train dcgan --out {tmp}/r --lr-g inf", "--lr-g must be a finite number"),
    ("train dcgan --out {tmp}/r --lr-d -1", "--lr-d must be positive"),
    ("train dcgan --out {tmp}/r --beta1 1", "--beta1 must be in [0, 1)"),
    ("train dcgan --out {tmp}/r --r1-gamma -1", "--r1-gamma must be 0"),
    ("train dcgan --out {tmp}/r --d-accuracy-threshold 0", "--d-accuracy-threshold"),
    ("train dcgan --out {tmp}/r --workers -1", "--workers must be 0 or more"),
    ("train dcgan --out {tmp}/r --data {tmp}/none", "no such folder"),
    ("train dcgan --out {tmp}/r -o ngf=0", "ngf"),
    ("train dcgan --out {tmp}/r -o nosuch=1", "nosuch"),
    ("train dcgan --out {tmp}/r -o ngf=1000000", "weights and training state) takes about", "choose smaller sizes"),
    ("train dcgan --out {tmp}/r --resume", "nothing to resume"),
    ("train dcgan --out {tmp}/r --device mps", "--device mps"),
    # metrics
    ("fid {tmp}/none {tmp}/none2", "none"),
    ("fid digits digits --features digits --n 1", "--n must be at least 2"),
    ("fid digits digits --features digits --batch-size 0", "--batch-size must be at least 1"),
    ("fid digits digits --features digits --workers -1", "--workers must be 0 or more"),
    ("fid digits digits --features nosuch", "nosuch"),
    ("fid {nan_stats} {nan_stats}", "NaN or inf"),
    ("prdc digits {model} --features digits --n 3", "more than k = 3"),
    ("eval {model} --data digits --metrics nosuch", "nosuch"),
    ("probe {model} --train 0", "--train 0"),
    ("probe {model} --test 0", "--test 0"),
    # info and the Hub
    ("info nosuchmodel", "nosuchmodel"),
    ("push {tmp}/none me/x", "none"),
    ("pull not/a/valid/id", "not/a/valid/id"),
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    out = tmp_path_factory.mktemp("bad-inputs") / "run"
    return train("dcgan", "digits", out, options={"ngf": 8, "ndf": 8, "image_size": 16}, steps=2, batch_size=16, progress=False)


@pytest.mark.parametrize("row", MATRIX, ids=[row[0] for row in MATRIX])
def test_bad_input_is_one_clear_line(cli, model, tmp_path, row):
    line, *fragments = row
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    nan_stats = tmp_path / "nan.npz"
    np.savez(nan_stats, mu=np.full(4, np.nan), sigma=np.eye(4))
    values = {"model": model, "tmp": tmp_path / "t", "file": plain, "nan_stats": nan_stats}
    (tmp_path / "t").mkdir()
    args = [word.format(**values) for word in line.split()]
    assert_one_line_error(cli(*args), *(f.format(**values) for f in fragments))
    assert not list((tmp_path / "t").iterdir()), "a failed command left files behind"


def test_a_relative_file_path_is_not_read_as_a_hub_id(cli, model, monkeypatch):
    monkeypatch.chdir(model.parent)  # "run/config.json" has the shape of a Hub id (user/name)
    assert_one_line_error(cli("run", f"{model.name}/config.json"), "is a file", f"e.g. {model.name}")
