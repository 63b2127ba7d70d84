"""The recognizer's `small` training step with Muon, the Gram form on and off (two passes each):

    python gram_form_trba.py
"""
import sys, argparse
from pathlib import Path
root = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(root / "scripts")); sys.path.insert(0, str(root))
import classifier.muon as muon
import bench_classifier as b
for ratio in (3, 10**9, 3, 10**9):
    muon.GRAM_FORM_RATIO = ratio
    args = argparse.Namespace(model="trba", preset="small", device="cpu", batch_size=64, classes=44, steps=20, warmup=3,
                              optimizer="muon", bf16=True, channels_last=True, compile=False, model_config={})
    print("gram" if ratio == 3 else "full", b.bench_model(args)["img_per_s"])
