#!/usr/bin/env python3
"""som.MiniSom against MiniSom 2.3.6 on compare.py's workloads, one thread each, one run.

Run from the repository root in a venv with the peers and the package:

    pip install -r benches/compare/requirements.txt ./som-py
    python benches/compare/python_speed.py [--workloads colours,digits,...] [--repeats N]
                                           [--topology hexagonal]

Both libraries start from compare.py's initial codebook (assigned to `_weights`, as
compare.py does for MiniSom) with the same parameters; only the training call is timed (the
median of --repeats for som.MiniSom, one run of MiniSom, which is slow). Every row also
reports the largest weight difference between the two trained maps. Nothing is hard-coded:
every number printed is measured by this run.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread for numpy's BLAS, before numpy loads

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import WORKLOADS, make_data, make_init, sigma0_for, cpu_model  # noqa: E402

import minisom  # noqa: E402
import som  # noqa: E402

# (workload, method, iterations as a function of the sample count n)
RUNS = {
    "colours": [("train", lambda n: 400 * n)],
    "iris": [("train", lambda n: 100 * n), ("train_batch_offline", lambda n: 100)],
    "digits": [("train", lambda n: 10 * n), ("train_batch_offline", lambda n: 10)],
    "blobs20k": [("train", lambda n: 5 * n), ("train_batch_offline", lambda n: 5)],
}


def run(cls, data, init, rows, cols, method, iterations, topology="rectangular"):
    """Seconds of the training call, and the trained weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cls(rows, cols, data.shape[1], sigma=sigma0_for(rows, cols), learning_rate=0.5,
                random_seed=0, topology=topology)
    m._weights = init.astype(np.float64).reshape(rows, cols, -1).copy()
    t0 = time.perf_counter()
    getattr(m, method)(data, iterations)
    return time.perf_counter() - t0, np.asarray(m.get_weights())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default="colours,iris,digits")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--topology", default="rectangular", choices=["rectangular", "hexagonal"],
                    help="MiniSom's lattice for both libraries (default rectangular)")
    args = ap.parse_args()
    print(f"CPU: {cpu_model()}; Python {platform.python_version()}; numpy {np.__version__}; "
          f"som SIMD level {som.SIMD_LEVEL}; one thread each; {args.topology} maps\n")
    print("| workload | map | call | MiniSom 2.3.6 (s) | som.MiniSom (s) | speed-up | max weight diff |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name in args.workloads.split(","):
        wl = WORKLOADS[name]
        rows, cols = wl["rows"], wl["cols"]
        data = make_data(name).astype(np.float64)
        init = make_init(data.astype(np.float32), rows, cols, wl["init_seed"])
        for method, iters in RUNS[name]:
            n_it = iters(len(data))
            theirs_s, theirs_w = run(minisom.MiniSom, data, init, rows, cols, method, n_it,
                                     args.topology)
            ours = [run(som.MiniSom, data, init, rows, cols, method, n_it, args.topology)
                    for _ in range(args.repeats)]
            ours_s = statistics.median(s for s, _ in ours)
            diff = np.abs(ours[0][1] - theirs_w).max()
            print(f"| {name} ({len(data)}x{data.shape[1]}) | {rows}x{cols} | "
                  f"{method}(data, {n_it}) | {theirs_s:.3f} | {ours_s:.4f} | "
                  f"{theirs_s / ours_s:.0f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
