#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ranking a folder of checkpoints over a slow network: Podium against the Python peer, side by side.

Starts on loopback nginx (the corpus, with autoindex for fsspec's HTTP listing) and the S3 test server
(tests/remote, seeded with the corpus), each behind bench/delay_proxy.py (--rtt-ms round trips), then times:
  podium-cli rank @URLS --json           HTTPS-less HTTP, one URL per checkpoint (HTTP has no listing)
  podium-cli rank s3://ckpts/bench/ --json   S3: ListObjectsV2 + ranged GETs, SigV4
  baseline_scan.py http://.../ --method pickleonly --threads T   fsspec over HTTP (python3-fsspec, python3-aiohttp)
and reports wall time, bytes the proxy carried each way, connections, and whether the top-k agrees with the
corpus's truth.json.

Usage: /usr/bin/python3 bench/remote_bench.py CORPUS BUILD_DIR [--rtt-ms 20] [--connections 32] [--peer-threads 32]
  CORPUS from: /usr/bin/python3 ../shared/tools/make_perf_corpus.py --n 1000 --size-mb 1 --out /tmp/perf1000
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"a server exited early ({proc.args})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"port {port} did not open")


class Proxy:
    def __init__(self, target, rtt, work):
        self.port = free_port()
        self.stats = os.path.join(work, f"proxy-{self.port}.json")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "delay_proxy.py"), str(self.port), str(target),
                                      "--rtt-ms", str(rtt), "--stats", self.stats], stdout=subprocess.PIPE)
        self.proc.stdout.readline()

    def read(self):
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(100):
            time.sleep(0.02)
            try:
                with open(self.stats) as f:
                    s = json.load(f)
                os.remove(self.stats)
                return s
            except (OSError, ValueError):
                pass
        return {"to_server": 0, "to_client": 0, "connections": 0}


def timed(cmd, env, proxy):
    before = proxy.read()
    t = time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    after = proxy.read()
    delta = {k: after[k] - before[k] for k in after}
    return wall, delta, r


def top_files_podium(out, k):
    j = json.loads(out)
    g = max(j["groups"], key=lambda g: len(g["ranked"]))
    return [e["file"] for e in g["ranked"][:k]]


def top_files_peer(out, k, mode):
    res = json.loads(out)
    res = res.get("results", res)
    scored = []
    for name, r in res.items():
        for cb in (r.get("callbacks") or {}).values():
            if isinstance(cb, dict) and cb.get("current_score") is not None:
                scored.append((cb["current_score"], urllib.parse.unquote(name)))  # fsspec keeps the listing's %3D
                break
    scored.sort(reverse=(mode == "max"))
    return [n for _, n in scored[:k]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("build")
    ap.add_argument("--rtt-ms", type=float, default=20.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--peer-threads", type=int, default=32)
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    cli = os.path.join(os.path.abspath(args.build), "app", "podium-cli")
    truth = json.load(open(os.path.join(corpus, "truth.json")))
    topk = [e["file"] for e in truth["callbacks"][0]["ranked"]]
    mode = truth["callbacks"][0]["mode"]
    work = tempfile.mkdtemp(prefix="podium-remote-bench-")
    procs = []
    try:
        # nginx: the corpus folder under /bench/, with a listing for fsspec
        http_port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(work, sub), exist_ok=True)
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off; master_process off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/octet-stream; keepalive_requests 100000;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  server {{ listen 127.0.0.1:{http_port}; location /bench/ {{ alias {corpus}/; autoindex on; }} }} }}
""")
        procs.append(subprocess.Popen(["/usr/sbin/nginx", "-p", work, "-c", conf, "-e", f"{work}/error.log"]))
        wait_port(http_port, procs[-1])
        s3_port = free_port()
        print(f"seeding the S3 test server with {corpus} ...", file=sys.stderr)
        s3 = subprocess.Popen(["/bin/sh", os.path.join(ROOT, "tests/remote/run-s3server.sh"), str(s3_port), os.path.join(work, "s3"),
                               f"bench={corpus}"], stdout=subprocess.PIPE, text=True)
        procs.append(s3)
        if "ready" not in s3.stdout.readline():
            raise SystemExit("the S3 test server did not start")
        http_proxy = Proxy(http_port, args.rtt_ms, work)
        s3_proxy = Proxy(s3_port, args.rtt_ms, work)
        procs += [http_proxy.proc, s3_proxy.proc]

        names = sorted(n for n in os.listdir(corpus) if n.endswith(".ckpt"))
        urls = os.path.join(work, "urls.txt")
        with open(urls, "w") as f:
            for n in names:
                f.write(f"http://127.0.0.1:{http_proxy.port}/bench/{n}\n")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                   AWS_ENDPOINT_URL=f"http://127.0.0.1:{s3_proxy.port}", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        local_bytes = sum(os.path.getsize(os.path.join(corpus, n)) for n in names)
        rows = []
        conn = ["--connections", str(args.connections)]
        for label, cmd, proxy in [
            (f"podium-cli rank @urls (HTTP, {args.connections} connections)", [cli, "rank", "--json", *conn, "@" + urls], http_proxy),
            (f"podium-cli rank s3:// (S3, {args.connections} connections)", [cli, "rank", "--json", *conn, "s3://ckpts/bench"], s3_proxy),
            (f"baseline_scan.py pickleonly, fsspec HTTP, {args.peer_threads} threads",
             ["/usr/bin/python3", os.path.join(ROOT, "..", "shared", "tools", "baseline_scan.py"),
              f"http://127.0.0.1:{http_proxy.port}/bench/", "--method", "pickleonly", "--threads", str(args.peer_threads)], http_proxy),
        ]:
            wall, d, r = timed(cmd, env, proxy)
            ok = r.returncode == 0
            agree = "-"
            if ok and topk:
                try:
                    got = top_files_podium(r.stdout, len(topk)) if "podium" in label else top_files_peer(r.stdout, len(topk), mode)
                    agree = "yes" if [os.path.basename(g) for g in got] == topk else "NO"
                except Exception as e:  # noqa: BLE001
                    agree = f"? ({e})"
            rows.append((label, wall, d["to_client"], d["to_server"], d["connections"], "exit 0" if ok else f"exit {r.returncode}: {r.stderr[-300:]}", agree))
        print(f"\n{len(names)} checkpoints, {local_bytes / 2**20:.0f} MiB on disk; {args.rtt_ms:g} ms round trips through bench/delay_proxy.py")
        print(f"{'what':62} {'wall s':>7} {'MiB down':>9} {'KiB up':>8} {'conns':>6}  result / top-k = truth")
        for label, wall, down, up, c, res, agree in rows:
            print(f"{label:62} {wall:7.2f} {down / 2**20:9.2f} {up / 1024:8.0f} {c:6}  {res} / {agree}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
