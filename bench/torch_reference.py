"""PyTorch reference for `npm run bench`: the same two models, trained the same way, timed on request.

Runs as a child process of bench/run.ts and answers one JSON request per line on stdin, so that
the benchmark can interleave PyTorch with its own engines (A, B, A, B) in a single run.

Requests:
  {"cmd": "info"}                                     torch version, threads, BLAS, a GEMM rate
  {"cmd": "setup", "model": "mlp"|"logistic", "n": N, "seed": S}
  {"cmd": "measure", "m": M, "seconds": T, "warmup": W}   examples/s of plain minibatch SGD
"""

import json
import os
import re
import resource
import sys
import time

import torch
import torch.nn.functional as F


def blas_libraries():
    """Shared libraries with BLAS/LAPACK in their name that this process has mapped."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if re.search(r"blas|lapack|mkl", os.path.basename(path)):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def blas_kind(config, libraries):
    """Which BLAS torch's matrix products go through: 'mkl', 'openblas', 'netlib' or 'unknown'."""
    info = re.search(r"BLAS_INFO=(\w+)", config)
    if info and info.group(1).lower() == "mkl":
        return "mkl"
    if any("openblas" in lib for lib in libraries):
        return "openblas"
    if any("mkl" in lib for lib in libraries):
        return "mkl"
    if any(re.search(r"/blas/libblas\.so", lib) for lib in libraries):
        return "netlib"
    if info and "open" in info.group(1).lower():
        return "openblas"
    return "unknown"


def gemm_gflops(size=1024, repeats=5):
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def peak_rss_reset():
    """Linux lets a process reset its own peak-RSS mark (VmHWM); elsewhere this is a no-op."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Trainer:
    def __init__(self, model, n, seed):
        gen = torch.Generator().manual_seed(seed)
        if model == "mlp":
            self.x = torch.rand(n, 784, generator=gen)
            self.y = torch.randint(0, 10, (n,), generator=gen)
            self.net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
            self.loss = F.cross_entropy
        elif model == "logistic":
            self.x = torch.randn(n, 50, generator=gen)
            self.y = torch.randint(0, 2, (n, 1), generator=gen).float()
            self.net = torch.nn.Linear(50, 1)
            self.loss = F.binary_cross_entropy_with_logits
        else:
            raise ValueError(f"unknown model {model}")
        self.n = n
        self.gen = gen
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.01)
        self.order = torch.randperm(n, generator=gen)
        self.pos = 0

    def batch_indices(self, m):
        # Shuffled epochs, like the course's default sampler: a new permutation when one runs out.
        if self.pos + m > self.n:
            self.order = torch.randperm(self.n, generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos:self.pos + m]
        self.pos += m
        return idx

    def step(self, m):
        idx = self.batch_indices(m)
        xb = self.x.index_select(0, idx)
        yb = self.y.index_select(0, idx)
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.net(xb), yb)
        loss.backward()
        self.opt.step()

    def measure(self, m, seconds, warmup):
        for _ in range(warmup):
            self.step(m)
        peak_rss_reset()
        steps = 0
        start = time.perf_counter()
        while True:
            self.step(m)
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        return {"steps": steps, "seconds": elapsed, "examplesPerSecond": steps * m / elapsed, "peakRssBytes": peak_rss_bytes()}


def main():
    threads = int(os.environ.get("BATCHLAB_THREADS", "1"))
    torch.set_num_threads(threads)
    trainer = None
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        try:
            if cmd == "info":
                gflops = gemm_gflops()
                config = torch.__config__.show()
                libs = blas_libraries()
                reply = {
                    "torch": torch.__version__,
                    "python": sys.version.split()[0],
                    "threads": torch.get_num_threads(),
                    "blas": {"kind": blas_kind(config, libs), "libraries": libs},
                    "gemmGflops1024": gflops,
                }
            elif cmd == "setup":
                trainer = Trainer(request["model"], request["n"], request.get("seed", 0))
                reply = {"ok": True}
            elif cmd == "measure":
                reply = trainer.measure(request["m"], request["seconds"], request.get("warmup", 3))
            else:
                reply = {"error": f"unknown command {cmd}"}
        except Exception as error:  # reported to the benchmark, which prints it
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
