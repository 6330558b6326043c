#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real-torch check of the embedded-state sync (needs Debian's python3-torch).

For every fixture run under DATA/fixtures (except `broken`): copy its checkpoints to a temporary folder (the
"moved" case), apply `podium-cli rename --apply --sync-state` (single-metric runs) and `podium-cli sync
--rebase`, then torch.load(..., map_location='cpu') every rewritten checkpoint and check that
  - it loads,
  - every ModelCheckpoint state names the folder it is in now, and every path in it names an existing file,
  - best_k_models has the same scores as before, under the new names,
  - the state_dict tensors equal the original file's, bit for bit.

Usage: sync_torch_check.py PODIUM_CLI DATA_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch


def load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def states(ck):
    return {str(k): v for k, v in (ck.get("callbacks") or {}).items()
            if isinstance(v, dict) and "best_k_models" in v}


def main():
    cli, data = sys.argv[1], sys.argv[2]
    problems, checked = [], 0
    fixtures = os.path.join(data, "fixtures")
    for scenario in sorted(os.listdir(fixtures)):
        src = os.path.join(fixtures, scenario, "checkpoints")
        if scenario == "broken" or not os.path.isdir(src):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            run = os.path.join(tmp, scenario)
            shutil.copytree(src, os.path.join(run, "checkpoints"), symlinks=True)
            for root, _d, files in os.walk(run):
                for f in files:
                    p = os.path.join(root, f)
                    if not os.path.islink(p):
                        os.chmod(p, 0o644)
                        os.utime(p, (1e9, 1e9))  # old: not a running training
            originals = {}  # current relative path -> original relative path
            for root, _d, files in os.walk(run):
                for f in files:
                    if f.endswith(".ckpt"):
                        rel = os.path.relpath(os.path.join(root, f), run)
                        originals[rel] = rel
            before = {rel: load(os.path.join(src, os.path.relpath(rel, "checkpoints")))
                      for rel in originals if not os.path.islink(os.path.join(run, rel))}
            r = subprocess.run([cli, "rename", run, "--apply", "--sync-state", "--force", "--json"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                out = json.loads(r.stdout)
                d = out["directory"]
                for m in out["moves"]:
                    old = os.path.join(d, m["from"]) if d else m["from"]
                    new = os.path.join(d, m["to"]) if d else m["to"]
                    originals[new] = old
                    originals.pop(old, None)
            r = subprocess.run([cli, "sync", run, "--rebase", "--json"], capture_output=True, text=True)
            if r.returncode != 0:
                problems.append(f"{scenario}: podium-cli sync exited {r.returncode}: {r.stderr}")
                continue
            for rel, orig in sorted(originals.items()):
                path = os.path.join(run, rel)
                if os.path.islink(path) or orig not in before:
                    continue
                try:
                    ck = load(path)
                except Exception as e:  # noqa: BLE001 - report any failure to load
                    problems.append(f"{scenario}/{rel}: torch.load failed: {e}")
                    continue
                checked += 1
                here = os.path.dirname(os.path.abspath(path))
                old = before[orig]
                for key, st in states(ck).items():
                    if st.get("dirpath") != here:
                        problems.append(f"{scenario}/{rel}: {key}: dirpath {st.get('dirpath')} != {here}")
                    for field in ("best_model_path",):  # kth_best of an older file may be evicted since
                        p = st.get(field)
                        if p and not os.path.exists(p):
                            problems.append(f"{scenario}/{rel}: {field} {p} does not exist")
                    old_scores = sorted(float(v) for v in states(old)[key]["best_k_models"].values())
                    new_scores = sorted(float(v) for v in st["best_k_models"].values())
                    if [repr(x) for x in old_scores] != [repr(x) for x in new_scores]:
                        problems.append(f"{scenario}/{rel}: {key}: best_k_models scores changed")
                    for p in st["best_k_models"]:
                        if not p.startswith(here + "/"):
                            problems.append(f"{scenario}/{rel}: best_k_models key {p} not under {here}")
                sd_new, sd_old = ck.get("state_dict", {}), old.get("state_dict", {})
                if list(sd_new) != list(sd_old) or any(not torch.equal(sd_new[k], sd_old[k]) for k in sd_old):
                    problems.append(f"{scenario}/{rel}: state_dict tensors differ from the original")
                if ck.get("epoch") != old.get("epoch") or ck.get("global_step") != old.get("global_step"):
                    problems.append(f"{scenario}/{rel}: epoch/global_step changed")
    # the legacy (pre-1.6) format is rewritten whole: torch must still load it, with the new paths
    for name in ("legacy-p2.ckpt", "legacy-p4.ckpt", "zip-p4.ckpt", "stemmed.ckpt"):
        src = os.path.join(data, "generated", name)
        if not os.path.exists(src):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            shutil.copy(src, path)
            os.chmod(path, 0o644)
            r = subprocess.run([cli, "sync", tmp, "--rebase"], capture_output=True, text=True)
            if r.returncode != 0:
                problems.append(f"{name}: podium-cli sync exited {r.returncode}: {r.stderr}")
                continue
            try:
                ck, old = load(path), load(src)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{name}: torch.load failed: {e}")
                continue
            checked += 1
            for key, st in states(ck).items():
                if st.get("dirpath") != tmp:
                    problems.append(f"{name}: {key}: dirpath {st.get('dirpath')} != {tmp}")
            sd_new, sd_old = ck.get("state_dict", {}), old.get("state_dict", {})
            if list(sd_new) != list(sd_old) or any(not torch.equal(sd_new[k], sd_old[k]) for k in sd_old):
                problems.append(f"{name}: state_dict tensors differ from the original")
    for p in problems:
        print("PROBLEM", p)
    print(f"{checked} rewritten checkpoints loaded with torch {torch.__version__}, {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
