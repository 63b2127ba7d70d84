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



def test_eval_tesseract_reads_with_the_language_asked_and_refuses_one_not_installed(tmp_path, stand_in_tesseract):
    """scripts/eval_tesseract.py passes `-l LANG` through, scores the readings, and refuses
    language data Tesseract lacks (it would read nothing and count every image wrong) with one
    error line and exit 2."""
    import os

    from PIL import Image

    outputs = tmp_path / "outputs"  # `brush eval --save-outputs`' layout
    outputs.mkdir()
    texts = ["heb+eng", "eng", "heb+eng"]
    for i in range(len(texts)):
        Image.new("L", (64, 32), 255).save(outputs / f"{i:06d}.png")
    (outputs / "texts.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")

    def run(lang: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_tesseract.py"), str(outputs), "--lang", lang],
                              capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))

    read = run("heb+eng")
    assert read.returncode == 0, read.stderr
    report = json.loads(read.stdout)  # the stand-in reads every image as the language it was given
    assert report["lang"] == "heb+eng" and report["n"] == 3 and report["word_accuracy"] == pytest.approx(2 / 3)
    refused = run("ara+eng")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "error: Tesseract has no language data for ara (it has eng, heb, osd); install it (Debian: apt-get install tesseract-ocr-ara) "
        "or pass another --lang"]
