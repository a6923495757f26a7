"""`gankit export`: every built-in generator as ONNX (run by onnxruntime) and TorchScript (loaded in a fresh
process) gives what `gankit run` gives for the same seeds and inputs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import gankit
from gankit.export import example_inputs
from tests.conftest import assert_one_line_error, run_gankit

CASES = {  # model: (run arguments, which frames of a run's samples one generator pass makes)
    "dcgan": ([], None),
    "voxel": ([], None),
    "stackgan": (["--text", "a small green square on a red background"], None),
    "nextframe": (["--frames", "1"], -1),  # one prediction step: the clip's last frame
}
SEEDS = [0, 1, 2, 3]


@pytest.mark.parametrize("name", CASES)
def test_exported_generators_match_gankit_run(name, cli, tmp_path):
    args, frame = CASES[name]
    assert cli("run", name, "--n", len(SEEDS), "--seed", 0, *args, "--out", tmp_path / "run.npy").code == 0
    expected = np.load(tmp_path / "run.npy")
    expected = expected[:, frame] if frame is not None else expected
    inputs = {k: v for k, v in zip(args[::2], args[1::2]) if k == "--text"}
    named = example_inputs(gankit.load(name, device="cpu"), SEEDS, **{k[2:]: v for k, v in inputs.items()})
    for key, tensor in named.items():
        np.save(tmp_path / f"{key}.npy", tensor.numpy())

    onnx = cli("export", name, "--out", tmp_path / "g.onnx")
    assert onnx.code == 0 and "→ samples" in onnx.out, onnx.err
    import onnxruntime

    session = onnxruntime.InferenceSession(str(tmp_path / "g.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(["samples"], {k: v.numpy() for k, v in named.items()})[0]
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1e-4

    script = cli("export", name, "--format", "torchscript", "--out", tmp_path / "g.pt")
    assert script.code == 0, script.err
    fresh = subprocess.run([sys.executable, "-c", (  # no gankit import: what a deployment does
        "import sys, numpy as np, torch; g = torch.jit.load(sys.argv[1]); d = sys.argv[2]; "
        f"np.save(d + '/ts.npy', g(**{{k: torch.from_numpy(np.load(d + '/' + k + '.npy')) for k in {list(named)!r}}}).numpy())"),
        str(tmp_path / "g.pt"), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert np.abs(np.load(tmp_path / "ts.npy") - expected).max() <= 1e-4


def test_a_layer_onnx_cannot_express_is_named(tmp_path):
    from gankit.errors import GankitError
    from gankit.export import export

    class Zeta(torch.nn.Module):  # an op with no ONNX function
        def forward(self, x):
            return torch.special.zeta(x.abs() + 2, torch.tensor(2.0))

    model = gankit.load("dcgan", device="cpu")
    model.gan.generator[10] = Zeta()
    with pytest.raises(GankitError, match=r"cannot export to ONNX in layer generator\.10 \(Zeta\): No ONNX function found for .*zeta"):
        export(model, tmp_path / "g.onnx")
    assert not list(tmp_path.iterdir())  # nothing half-written
    assert_one_line_error(run_gankit("export", "dcgan", "--out", tmp_path), "is a folder")
