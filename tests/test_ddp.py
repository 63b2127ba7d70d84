"""torchrun --nproc-per-node 2 on CPU (gloo): the same weights as one process with the same global batch."""

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402


def one_and_two_processes(module: str, args: list[str], tmp_path, steps: int, atol: float) -> None:
    """Train with `python -m module args` in one process and under torchrun with two; compare the weights."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run([sys.executable, "-m", module, *args, "--out", str(tmp_path / "one")], env=env, capture_output=True, text=True)
    assert one.returncode == 0, one.stderr
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                          "-m", module, *args, "--out", str(tmp_path / "two")], env=env, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    a = torch.load(tmp_path / "one" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "two" / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == steps
    for key in a["state_dict"]:
        assert torch.allclose(a["state_dict"][key], b["state_dict"][key], atol=atol, rtol=1e-4), key


def test_two_gloo_processes_train_what_one_process_trains(small_fonts, tmp_path):
    render_dataset(RenderJob(fonts=small_fonts, out=tmp_path / "d", n=64, size="32x128", workers=1, show_progress=False))
    config = tmp_path / "c.json"
    # batch norm statistics are per process; the rest is exact in float32 (bf16 rounds half batches otherwise than whole ones)
    config.write_text(json.dumps({"model": {"batch_norm": False}, "train": {"cpu_bf16": False}}))
    args = ["train-classifier", "--data", str(tmp_path / "d"), "--preset", "smoke", "--steps", "4", "--batch-size", "8",
            "--workers", "0", "--no-progress", "--device", "cpu", "--config", str(config)]
    one_and_two_processes("fontsynth.cli", args, tmp_path, steps=4, atol=1e-5)


def test_brush_in_two_gloo_processes_trains_what_one_process_trains(small_fonts, tmp_path):
    """All three parts (aligner, D then G per step, the generator called twice before its
    backward) through DistributedDataParallel, across the content phase into the joint one."""
    render_dataset(RenderJob(fonts=small_fonts, out=tmp_path / "d", n=64, recipe="pairs", size="32x128", workers=1, show_progress=False))
    config = tmp_path / "c.json"
    # inversion and placement teacher draw per process; with none, the aligner's placements feed the generator
    config.write_text(json.dumps({"losses": {"inversion": 0.0, "placement_teacher": 0.0, "content_steps": 3}, "train": {"cpu_bf16": False}}))
    args = ["train", "--data", str(tmp_path / "d"), "--preset", "smoke", "--steps", "6", "--batch-size", "8",
            "--workers", "0", "--no-progress", "--device", "cpu", "--config", str(config)]
    # Adam turns float-rounding differences of near-zero gradients into steps of up to ~3e-5 here;
    # a wrong gradient reduction would differ by the step size itself (lr 2e-3 per step)
    one_and_two_processes("brush", args, tmp_path, steps=6, atol=2e-4)
