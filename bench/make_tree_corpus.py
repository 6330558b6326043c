#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make a benchmark experiment tree: Hydra sweeps of Lightning runs, from a real fixture.

RUNS Hydra jobs (sweeps of 100 jobs: multirun/2026-11-30/HH-MM-SS/<n>/) like ../shared/fixtures/sweep-dev,
each with .hydra/{hydra,overrides,config}.yaml, lightning_logs/version_0/{hparams.yaml, metrics.csv} and
CKPTS checkpoints in lightning_logs/version_0/checkpoints/: the top CKPTS-1 of val_loss (min) and last.ckpt,
every file holding the ModelCheckpoint state Lightning would have written right after it (best_k_models,
best/kth paths, scores) with the embedded absolute dirpath of a training machine.

The checkpoints are the fixture's own (torch.load of sweep-dev's last.ckpt, written by Lightning 2.2.5),
re-saved with torch.save after setting epoch, global_step and the callback state: the zip layout, the
pickle and the tensors are torch's, only the numbers differ. Scores vary with the run's lr and seed and
per epoch (seeded: the same tree every time).

Example:  /usr/bin/python3 bench/make_tree_corpus.py --runs 1000 --ckpts 10 --out /tmp/podium-tree-1000
"""
import argparse
import io
import math
import random
import shutil
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
JOB = SHARED / "fixtures" / "sweep-dev" / "multirun" / "2026-11-30" / "12-00-00" / "0"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--ckpts", type=int, default=10, help="checkpoints per run (the top CKPTS-1 and last.ckpt)")
    ap.add_argument("--epochs", type=int, default=12, help="epochs trained per run (more than CKPTS-1: some are dropped)")
    ap.add_argument("--steps-per-epoch", type=int, default=50)
    ap.add_argument("--per-sweep", type=int, default=100, help="jobs per Hydra sweep folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--template", default=str(JOB / "lightning_logs" / "version_0" / "checkpoints" / "last.ckpt"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.ckpts < 2 or args.epochs < args.ckpts - 1:
        sys.exit("need --ckpts >= 2 and --epochs >= ckpts - 1")

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    base = torch.load(args.template, map_location="cpu", weights_only=False)
    key = next(k for k in base["callbacks"] if str(k).startswith("ModelCheckpoint"))
    hydra_yaml = (JOB / ".hydra" / "hydra.yaml").read_text()
    rnd = random.Random(args.seed)
    lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
    k = args.ckpts - 1
    files = 0
    for r in range(args.runs):
        sweep, num = divmod(r, args.per_sweep)
        job = out / "multirun" / "2026-11-30" / f"{12 + sweep // 60:02d}-{sweep % 60:02d}-00" / str(num)
        lr, seed = lrs[r % len(lrs)], r // len(lrs)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "hydra.yaml").write_text(hydra_yaml.replace("num: 0", f"num: {num}"))
        (job / ".hydra" / "overrides.yaml").write_text(f"- lr={lr}\n- seed={seed}\n")
        (job / ".hydra" / "config.yaml").write_text(f"seed: {seed}\nlr: {lr}\nmax_epochs: {args.epochs}\n")
        version = job / "lightning_logs" / "version_0"
        ckdir = version / "checkpoints"
        ckdir.mkdir(parents=True)
        (version / "hparams.yaml").write_text(f"seed: {seed}\nlr: {lr}\n")
        embedded = f"/data/sweeps/tree/{job.relative_to(out).as_posix()}/lightning_logs/version_0/checkpoints"

        # val_loss falls with epochs, faster for a good lr, with per-run noise
        quality = 1.0 - abs(math.log10(lr) + 3.0) / 3.0
        floor = 0.25 + 0.3 * (1 - quality) + rnd.uniform(0, 0.1)
        losses = [floor + (1.2 - floor) * math.exp(-(e + 1) * (0.2 + 0.3 * quality)) + rnd.uniform(-0.02, 0.02)
                  for e in range(args.epochs)]
        rows = ["epoch,lr-Adam,step,train_loss,val_acc,val_loss"]
        for e in range(args.epochs):
            for s in range(args.steps_per_epoch // 10):
                step = e * args.steps_per_epoch + s * 10 + 9
                rows.append(f"{e},{lr},{step},{losses[e] + rnd.uniform(0, 0.1):.6f},,")
            step = (e + 1) * args.steps_per_epoch - 1
            rows.append(f"{e},,{step},,{1 - losses[e] / 2:.6f},{losses[e]:.6f}")
        (version / "metrics.csv").write_text("\n".join(rows) + "\n")

        best_k = {}
        state = None
        for e in range(args.epochs):
            step = (e + 1) * args.steps_per_epoch
            name = f"epoch={e}-step={step}.ckpt"
            path = f"{embedded}/{name}"
            cur = torch.tensor(losses[e], dtype=torch.float32)
            dropped = None
            if len(best_k) == k:
                worst = max(best_k, key=lambda p: best_k[p].item())
                if cur.item() < best_k[worst].item():
                    best_k.pop(worst)
                    dropped = worst
                    best_k[path] = cur
            else:
                best_k[path] = cur
            saved = path in best_k
            kth = max(best_k, key=lambda p: best_k[p].item()) if len(best_k) == k else ""
            best = min(best_k, key=lambda p: best_k[p].item())
            state = {
                "monitor": "val_loss", "best_model_score": best_k[best], "best_model_path": best,
                "current_score": cur, "dirpath": embedded, "best_k_models": dict(best_k),
                "kth_best_model_path": kth, "kth_value": best_k[kth] if kth else torch.tensor(math.inf),
                "last_model_path": f"{embedded}/last.ckpt",
            }
            ck = dict(base)
            ck["epoch"], ck["global_step"] = e, step
            ck["callbacks"] = {key: state}
            ck["hyper_parameters"] = {"lr": lr, "seed": seed}
            buf = io.BytesIO()
            torch.save(ck, buf)
            if saved:
                (ckdir / name).write_bytes(buf.getvalue())
            if dropped:
                (ckdir / Path(dropped).name).unlink()
            (ckdir / "last.ckpt").write_bytes(buf.getvalue())
        files += len(list(ckdir.iterdir()))
        if r % 100 == 99:
            print(f"{r + 1} runs", file=sys.stderr)
    print(f"wrote {args.runs} runs, {files} checkpoints to {out}")


if __name__ == "__main__":
    main()
