"""What a training run folder holds, in a few lines: `fontsynth info RUN`.

Read from the folder alone (config.json, metrics.csv, the checkpoints' step counters, the
evaluations' eval.json), so it works while the run trains, after it was killed, and on a
folder copied from another machine. Every model's run folder has the same layout (one
trainer), so one reader serves the classifier, the recognizer and brush.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

# The validation metric that picks each kind's best.pt (its Task's `score`; a test keeps them equal).
SCORES = {"typeface-classifier": "val_top1", "recognizer": "val_word_accuracy", "brush": "val_psnr"}
# What an evaluation's eval.json headlines, per kind (the fields --json promises, where present).
EVAL_FIELDS = {"typeface-classifier": ("top1", "top5", "nn_accuracy"), "recognizer": ("word_accuracy", "word_accuracy_nocase", "cer"),
               "brush": ("psnr", "ms_ssim", "rec_acc", "rec_acc_tesseract", "typeface_agreement")}


def is_run_folder(path: Path) -> bool:
    """A folder training wrote: its config.json names one of the kinds."""
    try:
        return json.loads((Path(path) / "config.json").read_text()).get("kind") in SCORES
    except (OSError, ValueError, AttributeError):
        return False


def run_report(path: Path, as_json: bool = False) -> str:
    """What `fontsynth info RUN` and `brush info RUN` print: `describe_run`, or the JSON of `run_info`."""
    from fontsynth.errors import UserError

    if not is_run_folder(path):
        raise UserError(f"{path} is not a training run folder (no config.json written by training); pass the --out of a train command")
    info = run_info(path)
    return json.dumps(info, indent=1) if as_json else describe_run(info)


def run_info(path: Path) -> dict:
    """The run's kind, model, preset, data, plan and state, its checkpoints' steps, the best
    validation and the last metrics, and each evaluation's headline figures (JSON types)."""
    from classifier.training import RunFolder

    path = Path(path)
    config = RunFolder(path).read_config()
    kind, train = config["kind"], config.get("train", {})
    rows = read_metrics(path)
    score = SCORES[kind]
    validated = [r for r in rows if math.isfinite(r.get(score, math.nan))]
    best = max(validated, key=lambda r: r[score], default=None)  # max keeps the first of equals, as training does
    checkpoints = {name: checkpoint_state(path / f"{name}.pt") for name in ("last", "best") if (path / f"{name}.pt").exists()}
    last = checkpoints.get("last") or {}
    step = last.get("step", rows[-1]["step"] if rows else 0)
    elapsed = last.get("elapsed_s", rows[-1]["elapsed_s"] if rows else 0.0)
    data = config.get("data", {})
    return {
        "run": str(path), "kind": kind, "model": config.get("model"), "preset": config.get("preset"),
        "classes": config.get("classes"), "charset": len(config["charset"]) if "charset" in config else None,
        "data": data.get("fonts") if data.get("on_the_fly") else data.get("data"), "on_the_fly": bool(data.get("on_the_fly")),
        "val_data": data.get("val_data"),
        "planned_steps": train.get("steps") or None, "max_minutes": train.get("max_minutes") or None,
        "step": int(step), "elapsed_s": round(float(elapsed), 1), "state": run_state(int(step), float(elapsed), train, bool(checkpoints)),
        "checkpoints": checkpoints, "score": score,
        "best": {"step": int(best["step"]), score: best[score], "validations": len(validated)} if best else None,
        "last_metrics": {k: v for k, v in (rows[-1] if rows else {}).items() if shown_metric(k) and math.isfinite(v)},
        "evaluations": evaluations(path, EVAL_FIELDS[kind]),
    }


def read_metrics(run: Path) -> list[dict[str, float]]:
    """The run's metrics.csv, as the trainer reads it (`RunFolder.read_metrics`); an error naming
    the file when it is not the numbers training writes."""
    from classifier.training import RunFolder
    from fontsynth.errors import UserError

    folder = RunFolder(run)
    try:
        rows = folder.read_metrics()
        if rows and "step" not in rows[0]:
            raise ValueError("no step column")
        return rows
    except (OSError, ValueError, TypeError) as e:
        raise UserError(f"{folder.metrics} is not a metrics file training wrote ({type(e).__name__}: {e}); restore it or train again") from None


def shown_metric(column: str) -> bool:
    """The metrics.csv columns info shows: learning rate, loss, rate and validation (each loss
    part and term stays in the file)."""
    return column in ("lr", "train_loss", "img_per_s", "dropped") or column.startswith("val_")


def checkpoint_state(path: Path) -> dict:
    """The step and training time a checkpoint was saved at, and its size (read memory-mapped:
    the weights are not loaded); an error string for a file that does not load."""
    import torch

    size = round(path.stat().st_size / 1e6, 1)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        return {"step": int(payload["step"]), "elapsed_s": round(float(payload["elapsed_s"]), 1), "mb": size}
    except Exception as e:  # a damaged or foreign file: say so, the rest of the folder is still worth reading
        return {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200], "mb": size}


def run_state(step: int, elapsed_s: float, train: dict, saved: bool) -> str:
    """done, or stopped before its plan (continue with --resume), or running/unbounded."""
    if not saved:
        return "no checkpoint yet"
    steps, minutes = train.get("steps") or 0, train.get("max_minutes") or 0
    if (steps and step >= steps) or (minutes and elapsed_s >= minutes * 60):
        return "done"
    if not steps and not minutes:
        return "no planned end (trains until stopped)"
    return "stopped before its end (or still training); continue with --resume"


def evaluations(path: Path, fields: tuple[str, ...]) -> dict:
    """{folder name: headline figures, n, and the checkpoint and step it scored} of each eval-*/eval.json."""
    found = {}
    for report in sorted(path.glob("eval-*/eval.json")):
        try:
            figures = json.loads(report.read_text())
        except (OSError, ValueError):
            continue
        found[report.parent.name] = {k: figures.get(k) for k in (*fields, "n", "checkpoint", "step") if figures.get(k) is not None}
    return found


def describe_run(info: dict) -> str:
    """The lines `fontsynth info RUN` prints."""
    size = (f", {info['classes']} classes" if info["classes"] else "") + (f", {info['charset']} characters" if info["charset"] else "")
    source = f"{info['data']} (rendered on the fly)" if info["on_the_fly"] else str(info["data"])
    plan = " and ".join(p for p in (f"{info['planned_steps']:,} steps" if info["planned_steps"] else "",
                                    f"{info['max_minutes']:g} min" if info["max_minutes"] else "") if p) or "no limit"
    lines = [f"{info['run']}: {info['kind']} ({info['model']}, preset {info['preset']}){size}",
             f"data: {source}" + (f"; validation: {info['val_data']}" if info["val_data"] else ""),
             f"state: {info['state']}: step {info['step']:,} in {info['elapsed_s'] / 60:.1f} min (planned: {plan})"]
    for name, state in info["checkpoints"].items():
        lines.append(f"{name}.pt: " + (f"unreadable ({state['error']})" if "error" in state else f"step {state['step']:,}") + f", {state['mb']:g} MB")
    score = info["score"]
    if info["best"]:
        lines.append(f"best {score} {info['best'][score]:.4f} at step {info['best']['step']:,} (of {info['best']['validations']} validations)")
    else:
        lines.append("not validated: no best.pt, evaluations read last.pt")
    if info["last_metrics"]:
        lines.append("last logged: " + ", ".join(f"{k} {v:.4g}" for k, v in info["last_metrics"].items()))
    for name, figures in info["evaluations"].items():
        scored = f" ({Path(figures['checkpoint']).name}, step {figures['step']:,})" if "checkpoint" in figures and "step" in figures else ""
        shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in figures.items() if k not in ("checkpoint", "step"))
        lines.append(f"{name}{scored}: {shown}")
    return "\n".join(lines)
