#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bytes Podium judges are the bytes torch.load would unpickle: a differential test against real torch.

For every file of ../shared/security, ../shared/wild and the project's fixtures, without unpickling anything:
  - the container: torch.serialization._is_zipfile(f) decides the zip path; Podium's audit must say "zip" exactly
    then (a polyglot pickle-then-zip takes the legacy path in both);
  - zip: torch's own reader (torch._C.PyTorchFileReader, miniz) returns data.pkl's record; the first pickle of
    Podium's audit must have the same SHA-256 (when torch's reader refuses the file, Podium must still have judged
    something, or say why not);
  - legacy path: pickletools.genops (which reads opcodes, never runs them) finds where each of the five pickles
    torch.load unpickles in a row ends; Podium's pickles must have the same bytes, in the same order.

Usage: container_torch_check.py PODIUM_CLI SHARED_DIR DATA_DIR
"""
import glob
import hashlib
import io
import json
import os
import pickletools
import subprocess
import sys

import torch
from torch.serialization import _is_zipfile


def torch_record(path):
    reader_cls = getattr(torch._C, "PyTorchFileReader", None) or torch._C.PyTorchStreamReader
    try:
        return hashlib.sha256(bytes(reader_cls(path).get_record("data.pkl"))).hexdigest(), None
    except Exception as e:  # miniz refuses (no end record, CRC, no folder ...): torch.load unpickles nothing
        return None, type(e).__name__ + ": " + str(e).splitlines()[0][:120]


def legacy_pickles(path, count=5):
    """SHA-256 of each pickle torch.load's legacy path would hand to the unpickler, in order."""
    data = open(path, "rb").read()
    out, pos = [], 0
    for _ in range(count):
        if pos >= len(data):
            break
        f = io.BytesIO(data[pos:])
        end = None
        try:
            for op, arg, at in pickletools.genops(f):
                if op.name == "STOP":
                    end = pos + f.tell()
                    break
        except Exception:
            end = None
        if end is None:  # broken: the unpickler is given the rest of the file
            out.append(hashlib.sha256(data[pos:]).hexdigest())
            break
        out.append(hashlib.sha256(data[pos:end]).hexdigest())
        pos = end
    return out


def main():
    cli, shared, data = sys.argv[1], sys.argv[2], sys.argv[3]
    files = sorted(glob.glob(os.path.join(shared, "security", "*.ckpt")))
    files += sorted(glob.glob(os.path.join(shared, "wild", "**", "*.ckpt"), recursive=True))
    files += sorted(glob.glob(os.path.join(data, "**", "*.ckpt"), recursive=True))
    failures, checked = [], 0
    for path in files:
        if os.path.islink(path) or os.path.getsize(path) == 0:
            continue
        r = subprocess.run([cli, "audit", "--json", path], capture_output=True, text=True)
        try:
            audit = json.loads(r.stdout)["files"][0]
        except (ValueError, KeyError, IndexError):
            failures.append(f"{path}: no audit JSON (exit {r.returncode}): {r.stderr[-200:]}")
            continue
        name = os.path.relpath(path, os.path.dirname(shared))
        with open(path, "rb") as f:
            is_zip = bool(_is_zipfile(f))
        container = audit["container"]
        pickles = [p for p in audit["pickles"] if p["read_by_torch"]]
        if is_zip != (container == "zip"):
            failures.append(f"{name}: torch takes the {'zip' if is_zip else 'legacy'} path, Podium judged a {container}")
            continue
        checked += 1
        if is_zip:
            sha, err = torch_record(path)
            if sha is None:
                # torch's reader refuses the archive: Podium need not match, but must not claim to have read
                # a different data.pkl as torch's
                continue
            if not pickles:
                failures.append(f"{name}: torch reads data.pkl ({sha[:12]}), Podium judged nothing")
            elif pickles[0]["sha256"] != sha:
                failures.append(f"{name}: torch reads data.pkl {sha[:12]}, Podium's first judged pickle "
                                f"({pickles[0]['part']}) is {pickles[0]['sha256'][:12]}")
        elif container in ("legacy", "pickle"):
            want = legacy_pickles(path)
            got = [p["sha256"] for p in pickles]
            # torch stops after a pickle whose value it rejects (a wrong magic number): Podium may stop there too
            if got != want[:len(got)] or not got:
                failures.append(f"{name}: legacy pickles differ: torch's {[w[:8] for w in want]}, "
                                f"Podium's {[g[:8] for g in got]}")
    for f in failures:
        print("FAIL", f)
    print(f"container_torch_check: {checked - len(failures)}/{checked} files judged on the bytes torch.load reads")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
