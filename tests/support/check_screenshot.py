#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that a PNG is a rendered window, not a blank or broken surface: the size asked for, and enough
distinct colours (text, table, chart) that something was drawn. Standard library only (zlib + PNG filters).

Usage: check_screenshot.py SHOT.png WIDTH HEIGHT
"""
import struct
import sys
import zlib
from collections import Counter


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit(f"{path}: unexpected PNG layout (depth {depth}, colour type {ctype}, interlace {interlace})")
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, [r[x:x + 3] for r in rows[::4] for x in range(0, stride, bpp * 4)]


def main():
    path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    w, h, sample = pixels(path)
    colours = Counter(sample)
    top = colours.most_common(1)[0][1] / len(sample)
    print(f"{path}: {w}x{h}, {len(colours)} colours in a 1/16 sample, the commonest covers {top:.0%}")
    if (w, h) != (want_w, want_h):
        raise SystemExit(f"{path}: size {w}x{h}, expected {want_w}x{want_h}")
    if len(colours) < 64 or top > 0.9:
        raise SystemExit(f"{path}: looks blank (too few colours): the window did not render")


if __name__ == "__main__":
    main()
