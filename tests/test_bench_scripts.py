"""The benchmark scripts run (a tiny measurement each) and print what BENCHMARKS.md quotes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent


def test_bench_classifier_measures_a_preset_with_model_settings_over_it():
    def measure(*extra: str) -> dict:
        out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_classifier.py"), "model", "--preset", "smoke", "--classes", "4",
                              "--batch-size", "4", "--steps", "2", "--warmup", "1", "--device", "cpu", *extra],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        return json.loads(out.strip().splitlines()[-1])

    plain = measure("--optimizer", "muon")
    early = measure("--optimizer", "muon", "--model-config", '{"pool_before_norm": true}')
    assert plain["img_per_s"] > 0 and plain["model_config"] == {} and early["model_config"] == {"pool_before_norm": True}
    # pooling earlier makes the norms cheaper, not the convolutions: the same forward FLOPs (smoke has no Gram head)
    assert early["gflop_per_img_fwd"] == plain["gflop_per_img_fwd"] and early["params_m"] == plain["params_m"]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        measure("--model-config", '{"pool_before_nrom": true}')
    assert "unknown key(s) pool_before_nrom" in refused.value.stderr  # refused for the misspelt setting, not another reason
