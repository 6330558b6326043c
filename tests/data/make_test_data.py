#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes the checkpoints under tests/data/generated/ from the real Lightning fixtures in tests/data/fixtures/.

They cover formats the fixtures do not: the legacy (pre-1.6) torch format, pickle protocol 4, a plain
torch.save with the file-stem zip prefix, big-endian storages, CUDA-tagged storages, NaN scores, numpy
scalar scores, OmegaConf hyper-parameters, a save_weights_only file, Lightning 1.4-style callback keys, and
hostile pickles (os.system, deep nesting, memo/stack errors). The outputs are committed; rerun with
Debian's torch (apt-get install python3-torch python3-omegaconf) to remake them:

    /usr/bin/python3 tests/data/make_test_data.py
"""
import io
import math
import os
import pickle
import shutil
import struct
import sys
import types
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")
OUT = os.path.join(HERE, "generated")
SEED = os.path.join(FIX, "seed-static-name", "checkpoints")


def load(path):
    return torch.load(path, map_location="cpu")


def rezip(src, dst, transform, extra=()):
    """Copy a torch zip, passing each (name, bytes) through transform (which may rename or drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            res = transform(info.filename, zin.read(info.filename))
            if res is None:
                continue
            name, data = res
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        for name, data in extra:
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def patch_binunicode(pkl: bytes, old: str, new: str) -> bytes:
    """Replace every BINUNICODE string `old` by `new` in a protocol-2 pickle (no frames to fix)."""
    o, n = old.encode(), new.encode()
    return pkl.replace(b"X" + struct.pack("<I", len(o)) + o, b"X" + struct.pack("<I", len(n)) + n)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    best = os.path.join(SEED, "best-v4.ckpt")
    ck = load(best)

    # 1. legacy format, protocol 2 (the pre-1.6 default)
    torch.save(ck, os.path.join(OUT, "legacy-p2.ckpt"), _use_new_zipfile_serialization=False)
    # 2. zip with pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE)
    torch.save(ck, os.path.join(OUT, "zip-p4.ckpt"), pickle_protocol=4)
    # 3. legacy with protocol 4
    torch.save(ck, os.path.join(OUT, "legacy-p4.ckpt"), _use_new_zipfile_serialization=False, pickle_protocol=4)
    # 4. plain torch.save: the zip prefix is the file stem ("stemmed/data.pkl")
    torch.save(ck, os.path.join(OUT, "stemmed.ckpt"))

    # 5. big-endian: byteorder record says "big", storages byte-swapped
    def to_big(name, data):
        if "/data/" in name:
            data = bytes(b for i in range(0, len(data), 4) for b in reversed(data[i:i + 4]))
        return None if name.endswith("/byteorder") else (name, data)
    rezip(best, os.path.join(OUT, "big-endian.ckpt"), to_big, extra=[("archive/byteorder", b"big")])

    # 6. storages tagged cuda:0 (as a GPU run writes them)
    def to_cuda(name, data):
        return name, patch_binunicode(data, "cpu", "cuda:0") if name.endswith("data.pkl") else data
    rezip(best, os.path.join(OUT, "cuda-tagged.ckpt"), to_cuda)

    # 7. NaN and inf scores (Lightning keeps a NaN current_score; kth_value is +inf before top-k fills)
    nan = load(best)
    key = next(iter(nan["callbacks"]))
    st = nan["callbacks"][key]
    st["current_score"] = torch.tensor(float("nan"))
    st["kth_value"] = torch.tensor(float("inf"))
    first = next(iter(st["best_k_models"]))
    st["best_k_models"][first] = torch.tensor(float("nan"))
    torch.save(nan, os.path.join(OUT, "nan-scores.ckpt"))

    # 8. numpy scalar scores, float64 and float16 tensors
    import numpy as np
    npck = load(best)
    st = npck["callbacks"][key]
    st["current_score"] = np.float64(0.625)
    st["best_model_score"] = torch.tensor(0.5, dtype=torch.float64)
    paths = list(st["best_k_models"])
    st["best_k_models"][paths[0]] = torch.tensor(0.75, dtype=torch.float16)
    st["best_k_models"][paths[1]] = torch.tensor(0.875, dtype=torch.bfloat16)
    torch.save(npck, os.path.join(OUT, "numpy-scores.ckpt"))

    # 9. OmegaConf hyper-parameters (Hydra runs)
    from omegaconf import OmegaConf
    oc = load(best)
    oc["hyper_parameters"] = OmegaConf.create({"model": {"lr": 0.001, "layers": [64, 32]}, "name": "hydra-run",
                                               "missing": "???"})
    torch.save(oc, os.path.join(OUT, "omegaconf.ckpt"))

    # 10. save_weights_only=True: no callbacks, optimizer states or loops
    wo = load(best)
    for k in ("callbacks", "optimizer_states", "lr_schedulers", "loops"):
        wo.pop(k, None)
    torch.save(wo, os.path.join(OUT, "weights-only.ckpt"))
    # 10b. the same at other steps (a run's metrics.csv tells files apart whose names round alike)
    for step in (16, 24):
        ws = dict(wo, global_step=step, epoch=step // 4 - 1)
        torch.save(ws, os.path.join(OUT, f"weights-only-step{step}.ckpt"))

    # 11. Lightning 1.4: callbacks keyed by the class itself, no mode in the key, kth_value = -inf (max)
    mod = types.ModuleType("pytorch_lightning.callbacks.model_checkpoint")
    class ModelCheckpoint:  # noqa: N801 — the name Lightning 1.4 pickled
        pass
    ModelCheckpoint.__module__ = "pytorch_lightning.callbacks.model_checkpoint"
    ModelCheckpoint.__qualname__ = "ModelCheckpoint"
    mod.ModelCheckpoint = ModelCheckpoint
    for name in ("pytorch_lightning", "pytorch_lightning.callbacks"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["pytorch_lightning.callbacks.model_checkpoint"] = mod
    old = load(best)
    st = dict(old["callbacks"][key])
    st["monitor"] = "val_acc"
    st["kth_value"] = torch.tensor(float("-inf"))
    old["callbacks"] = {ModelCheckpoint: st}
    old["pytorch-lightning_version"] = "1.4.9"
    torch.save(old, os.path.join(OUT, "lightning-1.4.ckpt"), _use_new_zipfile_serialization=False)

    # 12. hostile pickles, each in a torch-shaped zip (archive/data.pkl)
    hostile = {
        "reduce-os-system": b"\x80\x02cos\nsystem\nX\x05\x00\x00\x00touch\x85R.",
        "stack-underflow": b"\x80\x02K\x01\x86.",
        "memo-missing": b"\x80\x02h\x07.",
        "mark-missing": b"\x80\x02K\x01K\x02t.",
        "deep-nesting": b"\x80\x02" + b"(" * 100000 + b"t" * 100000 + b".",
        "deep-lists": b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b".",
        "length-too-large": b"\x80\x02X\xff\xff\xff\x7fabc.",
        "unknown-opcode": b"\x80\x02\xff.",
        "no-stop": b"\x80\x02K\x01",
        "setitems-odd": b"\x80\x02}(K\x01u.",
        "eval-in-dict": b"\x80\x02}X\x01\x00\x00\x00x" + b"c__builtin__\neval\nX\x01\x00\x00\x00" + b"1\x85Rs.",
    }
    hdir = os.path.join(OUT, "hostile")
    os.makedirs(hdir)
    for name, pkl in hostile.items():
        with zipfile.ZipFile(os.path.join(hdir, name + ".ckpt"), "w", zipfile.ZIP_STORED) as z:
            z.writestr(zipfile.ZipInfo("archive/data.pkl", date_time=(1980, 1, 1, 0, 0, 0)), pkl)
            z.writestr(zipfile.ZipInfo("archive/version", date_time=(1980, 1, 1, 0, 0, 0)), b"3\n")
    # a zip whose central directory claims more entries than fit
    data = bytearray(open(best, "rb").read())
    rec = data.rfind(b"PK\x06\x06")  # torch always writes ZIP64 end records
    data[rec + 24:rec + 40] = struct.pack("<QQ", 60000, 60000)
    open(os.path.join(hdir, "entry-count-too-large.ckpt"), "wb").write(bytes(data))
    # a data.pkl record whose size runs past the end of the file
    data = bytearray(open(best, "rb").read())
    cd = data.find(b"PK\x01\x02")
    data[cd + 20:cd + 24] = struct.pack("<I", 0x7FFFFFFF)
    data[cd + 24:cd + 28] = struct.pack("<I", 0x7FFFFFFF)
    open(os.path.join(hdir, "entry-past-end.ckpt"), "wb").write(bytes(data))

    # 13. plain pickles of every protocol (no torch), for the machine and the disassembler
    pdir = os.path.join(OUT, "pickles")
    os.makedirs(pdir)
    sample = {"int": 7, "neg": -3, "big": 2 ** 80, "float": 1.5, "str": "héllo", "bytes": b"\x00\x01",
              "list": [1, 2, 3], "tuple": (1, "a"), "nested": {"a": [None, True, False]}, "set": {1},
              "frozenset": frozenset({2}), "inf": math.inf}
    for proto in range(0, 6):
        with open(os.path.join(pdir, f"sample-p{proto}.pkl"), "wb") as f:
            pickle.dump(sample, f, protocol=proto)
    print("written to", OUT)


if __name__ == "__main__":
    main()
