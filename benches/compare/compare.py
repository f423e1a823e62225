#!/usr/bin/env python3
"""Side-by-side speed/quality comparison of `som` against Python SOM peers.

Run from the repository root (see benches/compare/README.md for the venv):

    python benches/compare/compare.py [--workloads colours,iris,...] [--repeats N]
        [--som PATH_TO_SOM_BINARY] [--out results.md]

What it does, per workload:
  1. generates the data with fixed seeds and writes it as raw little-endian f32
     (row after row) to <workdir>/<workload>.f32 (default workdir: target/compare/);
  2. makes ONE initial codebook (fixed seed) and writes it as CSV
     (<workload>_init.csv: one unit per line, row-major, unit = row*cols + col,
     no header); every library starts from it;
  3. runs each peer with matched parameters (single thread) and times only the
     training call (median of --repeats);
  4. computes quantization and topographic error for every final codebook with
     the same numpy code (metrics()), after converting each codebook to the
     row-major (rows*cols, dim) layout;
  5. prints one Markdown table (and writes it to --out if given).

Nothing in here is a hard-coded timing or result: every number in the table is
measured by this run.
"""

import os

# Single-threaded peers. These must be set before numpy / somoclu (libgomp) are
# loaded: OpenMP and OpenBLAS read them once, at library load time. Somoclu has
# no thread setting of its own; its OpenMP loops obey OMP_NUM_THREADS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------
# Workloads and the parameters every library is matched on.
# --------------------------------------------------------------------------

# The 15 colours of the classic "Self-Organizing Maps with TensorFlow" example.
COLOURS = [
    [0.0, 0.0, 0.0],        # black
    [0.0, 0.0, 1.0],        # blue
    [0.0, 0.0, 0.5],        # darkblue
    [0.125, 0.529, 1.0],    # skyblue
    [0.33, 0.4, 0.67],      # greyblue
    [0.6, 0.5, 1.0],        # lilac
    [0.0, 1.0, 0.0],        # green
    [1.0, 0.0, 0.0],        # red
    [0.0, 1.0, 1.0],        # cyan
    [1.0, 0.0, 1.0],        # violet
    [1.0, 1.0, 0.0],        # yellow
    [1.0, 1.0, 1.0],        # white
    [0.33, 0.33, 0.33],     # darkgrey
    [0.5, 0.5, 0.5],        # mediumgrey
    [0.66, 0.66, 0.66],     # lightgrey
]

# runs: list of (mode, epochs). init_seed: seed of the initial codebook.
WORKLOADS = {
    "colours":  dict(rows=20, cols=30, runs=[("online", 400)], init_seed=101),
    "iris":     dict(rows=10, cols=10, runs=[("online", 100), ("batch", 100)], init_seed=102),
    "digits":   dict(rows=30, cols=30, runs=[("online", 10), ("batch", 10)], init_seed=103),
    "blobs20k": dict(rows=40, cols=40, runs=[("online", 5), ("batch", 5)], init_seed=104),
    "big100k":  dict(rows=50, cols=50, runs=[("batch", 5)], init_seed=105),
}

# Online (MiniSom and ours --mode online):
#   alpha(t) = ALPHA / (1 + t / (T/2)),  sigma(t) = sigma0 / (1 + t / (T/2))
#   t = step index 0..T-1, T = epochs * n, sample of step t = t % n,
#   h = exp(-(dr^2 + dc^2) / (2 sigma^2)) over ALL units (no cut-off),
#   w += alpha * h * (x - w).
ONLINE_ALPHA = 0.5
ONLINE_DECAY = "asymptotic"

# Batch (XPySom, Somoclu and ours --mode batch):
#   sigma(e) = sigma0 + (BATCH_SIGMA_END - sigma0) * e / (E - 1),  e = epoch 0..E-1
#   h = exp(-(dr^2 + dc^2) / (2 sigma^2)) over ALL units (no compact support),
#   w_j = sum_i h(j, bmu_i) x_i / sum_i h(j, bmu_i)   (old w_j kept where the sum is 0),
#   BMUs of an epoch are all found with the codebook of the previous epoch.
#   The learning rate cancels out of the batch rule in both peers.
BATCH_DECAY = "linear"
BATCH_SIGMA_END = 1.0
BATCH_ALPHA = 0.5  # passed along, has no effect on a batch update


def sigma0_for(rows, cols):
    """Initial neighbourhood radius (Gaussian standard deviation, in grid units)."""
    return max(rows, cols) / 4.0


def run_params(wl, mode, epochs):
    rows, cols = wl["rows"], wl["cols"]
    p = dict(mode=mode, epochs=epochs, sigma=sigma0_for(rows, cols))
    if mode == "online":
        p.update(alpha=ONLINE_ALPHA, decay=ONLINE_DECAY, sigma_end=None)
    else:
        p.update(alpha=BATCH_ALPHA, decay=BATCH_DECAY, sigma_end=BATCH_SIGMA_END)
    return p


def make_data(name):
    """The workload's data as float32 (n, dim); deterministic."""
    if name == "colours":
        x = np.array(COLOURS, dtype=np.float64)
    elif name == "iris":
        from sklearn.datasets import load_iris
        x = load_iris().data.astype(np.float64)
        x = (x - x.mean(axis=0)) / x.std(axis=0)  # standardised (population std)
    elif name == "digits":
        from sklearn.datasets import load_digits
        x = load_digits().data.astype(np.float64) / 16.0
    elif name == "blobs20k":
        from sklearn.datasets import make_blobs
        x, _ = make_blobs(n_samples=20000, n_features=64, centers=20, random_state=0)
    elif name == "big100k":
        from sklearn.datasets import make_blobs
        x, _ = make_blobs(n_samples=100000, n_features=32, centers=50, random_state=1)
    else:
        raise ValueError(f"unknown workload {name!r}")
    return np.ascontiguousarray(x, dtype=np.float32)


def make_init(data, rows, cols, seed):
    """Initial codebook (rows*cols, dim), float32, row-major (unit = row*cols + col).

    Random data samples (without replacement when n >= units), plus a small
    Gaussian jitter (1% of each feature's std) so that no two units are equal
    (colours has 15 samples for 600 units; iris has a duplicated row)."""
    rng = np.random.default_rng(seed)
    units = rows * cols
    n = data.shape[0]
    idx = rng.choice(n, size=units, replace=n < units)
    std = data.astype(np.float64).std(axis=0)
    init = data[idx].astype(np.float64) + rng.normal(size=(units, data.shape[1])) * (0.01 * std)
    return np.ascontiguousarray(init, dtype=np.float32)


def write_f32(path, x):
    np.ascontiguousarray(x, dtype="<f4").tofile(path)


def write_csv(path, codebook):
    np.savetxt(path, np.asarray(codebook, dtype=np.float32), fmt="%.9g", delimiter=",")


def read_csv(path, dim):
    cb = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    return cb.reshape(-1, dim)


# --------------------------------------------------------------------------
# Quality metrics: the same code for every library.
# --------------------------------------------------------------------------

def metrics(data, codebook, rows, cols, chunk=4096):
    """Quantization error and topographic error of a (rows*cols, dim) codebook.

    QE: mean Euclidean distance from each sample to its best-matching unit.
    TE: fraction of samples whose best and second-best units are not adjacent on
        the rectangular grid (adjacent = Chebyshev distance 1, the 8 neighbours).
    Ties go to the lowest unit index. Computed in float64."""
    x_all = np.asarray(data, dtype=np.float64)
    w = np.asarray(codebook, dtype=np.float64).reshape(rows * cols, -1)
    w2 = (w * w).sum(axis=1)
    qe_sum = 0.0
    te_count = 0
    for s in range(0, x_all.shape[0], chunk):
        x = x_all[s:s + chunk]
        d2 = (x * x).sum(axis=1)[:, None] - 2.0 * (x @ w.T) + w2[None, :]
        best = np.argmin(d2, axis=1)
        d2[np.arange(x.shape[0]), best] = np.inf
        second = np.argmin(d2, axis=1)
        qe_sum += np.linalg.norm(x - w[best], axis=1).sum()
        r1, c1 = np.divmod(best, cols)
        r2, c2 = np.divmod(second, cols)
        te_count += int((np.maximum(np.abs(r1 - r2), np.abs(c1 - c2)) > 1).sum())
    n = x_all.shape[0]
    return float(qe_sum / n), te_count / n


# --------------------------------------------------------------------------
# Peers. Each runner returns (seconds_of_training_call, codebook (rows*cols, dim)).
# --------------------------------------------------------------------------

def run_minisom(data, init, rows, cols, p):
    """MiniSom online: train(data, epochs*n) visits sample t % n at step t and
    decays alpha and sigma asymptotically per step (see ONLINE_* above)."""
    from minisom import MiniSom
    n, dim = data.shape
    x = data.astype(np.float64)  # the f32 values, exactly
    som = MiniSom(rows, cols, dim, sigma=p["sigma"], learning_rate=p["alpha"],
                  decay_function="asymptotic_decay", sigma_decay_function="asymptotic_decay",
                  neighborhood_function="gaussian", topology="rectangular",
                  activation_distance="euclidean", random_seed=0)
    som._weights = init.astype(np.float64).reshape(rows, cols, dim).copy()  # (x=rows, y=cols, dim)
    t0 = time.perf_counter()
    som.train(x, p["epochs"] * n, random_order=False, use_epochs=False)
    secs = time.perf_counter() - t0
    return secs, np.asarray(som.get_weights()).reshape(rows * cols, dim)


def _import_xpysom():
    # XPySom prints "WARNING: CuPy could not be imported" on import; keep it quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        from xpysom import XPySom
    return XPySom


XPYSOM_N_PARALLEL = 1000  # samples per chunk (its default is 500 * cpu_count)


def run_xpysom(data, init, rows, cols, p):
    """XPySom batch on the CPU (xp=numpy). std_coeff=1 so that sigma is the
    Gaussian's standard deviation (its default 0.5 would halve it)."""
    XPySom = _import_xpysom()
    n, dim = data.shape
    som = XPySom(rows, cols, dim, sigma=p["sigma"], sigmaN=p["sigma_end"],
                 learning_rate=p["alpha"], learning_rateN=0.01,
                 decay_function=p["decay"], neighborhood_function="gaussian",
                 std_coeff=1.0, topology="rectangular", activation_distance="euclidean",
                 random_seed=0, n_parallel=XPYSOM_N_PARALLEL, compact_support=False, xp=np)
    som._weights = init.reshape(rows, cols, dim).astype(np.float32).copy()  # (x=rows, y=cols, dim)
    t0 = time.perf_counter()
    som.train(data, p["epochs"])
    secs = time.perf_counter() - t0
    return secs, np.asarray(som.get_weights()).reshape(rows * cols, dim)


def run_somoclu(data, init, rows, cols, p):
    """Somoclu batch, dense CPU kernel. Somoclu(n_columns, n_rows): columns first.
    Its codebook is (n_rows, n_columns, dim), i.e. already row-major.
    It trains the array passed as initialcodebook in place, so pass a copy."""
    import somoclu
    n, dim = data.shape
    som = somoclu.Somoclu(cols, rows, initialcodebook=init.astype(np.float32).copy(),
                          kerneltype=0, maptype="planar", gridtype="rectangular",
                          compactsupport=False, neighborhood="gaussian", std_coeff=1.0,
                          verbose=0)
    t0 = time.perf_counter()
    som.train(data, epochs=p["epochs"], radius0=p["sigma"], radiusN=p["sigma_end"],
              radiuscooling=p["decay"], scale0=p["alpha"], scaleN=0.01,
              scalecooling="linear")
    secs = time.perf_counter() - t0
    return secs, np.asarray(som.codebook).reshape(rows * cols, dim)


PEERS = {
    # name: (mode it runs, runner, importable module)
    "minisom": ("online", run_minisom, "minisom"),
    "xpysom": ("batch", run_xpysom, "xpysom"),
    "somoclu": ("batch", run_somoclu, "somoclu"),
}

# --------------------------------------------------------------------------
# Ours: the `som` CLI. The whole flag list lives in ours_command().
# --------------------------------------------------------------------------

def ours_command(binary, data_file, dim, rows, cols, init_csv, out_csv, p, threads):
    """The exact command line for `som train`. Adjust here if the CLI changes."""
    cmd = [
        str(binary), "train",
        "--data", str(data_file),
        "--dim", str(dim),
        "--rows", str(rows),
        "--cols", str(cols),
        "--init", str(init_csv),
        "--out", str(out_csv),
        "--json",
        "--mode", p["mode"],
        "--epochs", str(p["epochs"]),
        "--alpha", repr(float(p["alpha"])),
        "--sigma", repr(float(p["sigma"])),
        "--decay", p["decay"],
        "--threads", str(threads),
    ]
    if p["mode"] == "online":
        # samples in order, as the peers take them (batch uses every sample every epoch)
        cmd += ["--order", "sequential"]
    if p.get("sigma_end") is not None:
        # batch: linear sigma decay to this value at the last epoch
        cmd += ["--sigma-final", repr(float(p["sigma_end"]))]
    return cmd


def run_ours(binary, data_file, dim, rows, cols, init_csv, out_csv, p, threads):
    """Returns (seconds, codebook, reported_json). Raises RuntimeError on failure."""
    cmd = ours_command(binary, data_file, dim, rows, cols, init_csv, out_csv, p, threads)
    if out_csv.exists():
        out_csv.unlink()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {shlex.join(cmd)}\n{proc.stderr.strip()}")
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        secs = float(report["seconds"])
    except (ValueError, KeyError, IndexError) as e:
        raise RuntimeError(f"could not read 'seconds' from JSON stdout ({e}): {proc.stdout[:500]!r}")
    if not out_csv.exists():
        raise RuntimeError(f"{out_csv} was not written")
    return secs, read_csv(out_csv, dim), report


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def library_versions():
    from importlib import metadata
    out = []
    for dist in ("numpy", "scikit-learn", "MiniSom", "XPySom", "somoclu"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            parts.append(f"{lib.get('internal_api')} {lib.get('version')} "
                         f"{lib.get('architecture', '')} threads={lib.get('num_threads')}".strip())
    return "; ".join(parts) or "none found"


def fmt_secs(s):
    return f"{s:.4f}" if s < 10 else f"{s:.2f}"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help=f"comma-separated subset of {','.join(WORKLOADS)} (default: all)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per entry; the median is reported")
    ap.add_argument("--som", default=None,
                    help="path to our `som` binary (default: target/release/som if it exists)")
    ap.add_argument("--threads", default="1",
                    help="comma-separated thread counts for ours (peers always run single-threaded)")
    ap.add_argument("--libs", default="minisom,xpysom,somoclu,ours",
                    help="comma-separated subset of minisom,xpysom,somoclu,ours")
    ap.add_argument("--workdir", default=None, help="where data/init/codebooks go (default: target/compare)")
    ap.add_argument("--out", default=None, help="also write the Markdown report to this file")
    args = ap.parse_args(argv)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {','.join(WORKLOADS)}")
    libs = [l.strip() for l in args.libs.split(",") if l.strip()]
    for l in libs:
        if l not in PEERS and l != "ours":
            ap.error(f"unknown library {l!r}")
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    our_threads = [int(t) for t in args.threads.split(",") if t.strip()]

    workdir = Path(args.workdir) if args.workdir else REPO_ROOT / "target" / "compare"
    workdir.mkdir(parents=True, exist_ok=True)

    # Is each peer importable?
    available = {}
    for name, (_, _, module) in PEERS.items():
        if name not in libs:
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                __import__(module)
            available[name] = True
        except Exception as e:  # ImportError, or a broken native build
            log(f"[skip] {name}: cannot import {module} ({e.__class__.__name__}: {e})")
            available[name] = False

    # Our binary.
    som_bin = None
    if "ours" in libs:
        if args.som:
            cand = Path(args.som)
            if cand.is_file() and os.access(cand, os.X_OK):
                som_bin = cand
            else:
                log(f"[skip] ours: --som {args.som} is not an executable file; 'ours' rows are skipped")
        else:
            cand = REPO_ROOT / "target" / "release" / "som"
            if cand.is_file() and os.access(cand, os.X_OK):
                som_bin = cand
            else:
                log(f"[skip] ours: {cand} does not exist (build it with `cargo build --release`, "
                    f"or pass --som PATH); 'ours' rows are skipped")

    rows_out = []  # dicts: lib, workload, mode, threads, seconds, qe, te, note
    notes = []

    for wname in workloads:
        wl = WORKLOADS[wname]
        rows, cols = wl["rows"], wl["cols"]
        data = make_data(wname)
        n, dim = data.shape
        init = make_init(data, rows, cols, wl["init_seed"])
        data_file = workdir / f"{wname}.f32"
        init_csv = workdir / f"{wname}_init.csv"
        write_f32(data_file, data)
        write_csv(init_csv, init)
        # Every library starts from exactly what the CSV says.
        init = read_csv(init_csv, dim).astype(np.float32)
        qe0, te0 = metrics(data, init, rows, cols)
        log(f"== {wname}: {n}x{dim}, map {rows}x{cols}; init QE={qe0:.4f} TE={te0:.4f}")

        for mode, epochs in wl["runs"]:
            p = run_params(wl, mode, epochs)
            batch_books = {}
            # Ours first, so its time is known for the ratios.
            if som_bin is not None:
                for t in our_threads:
                    out_csv = workdir / f"{wname}_{mode}_ours_t{t}.csv"
                    times, cb, err, report = [], None, None, None
                    for _ in range(args.repeats):
                        try:
                            s, cb, report = run_ours(som_bin, data_file, dim, rows, cols,
                                                     init_csv, out_csv, p, t)
                        except RuntimeError as e:
                            err = str(e)
                            break
                        times.append(s)
                    if err:
                        log(f"[fail] ours {wname} {mode} t={t}: {err}")
                        notes.append(f"ours failed on {wname} {mode} threads={t}: {err.splitlines()[0]}")
                        continue
                    qe, te = metrics(data, cb, rows, cols)
                    rows_out.append(dict(lib="ours", workload=wname, mode=mode, threads=t,
                                         seconds=statistics.median(times), qe=qe, te=te))
                    rq = report.get("quantization_error")
                    if isinstance(rq, (int, float)) and abs(rq - qe) > 1e-3 * max(1.0, abs(qe)):
                        notes.append(f"ours {wname} {mode} t={t}: self-reported QE {rq:.6g} "
                                     f"differs from the numpy QE {qe:.6g}")
                    log(f"   ours    {mode:6s} t={t} {statistics.median(times):9.4f}s QE={qe:.4f} TE={te:.4f}")
            for name, (pmode, runner, _) in PEERS.items():
                if pmode != mode or not available.get(name):
                    continue
                times, cb = [], None
                for _ in range(args.repeats):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        s, cb = runner(data, init, rows, cols, p)
                    times.append(s)
                qe, te = metrics(data, cb, rows, cols)
                write_csv(workdir / f"{wname}_{mode}_{name}.csv", cb)
                if mode == "batch":
                    batch_books[name] = np.asarray(cb, dtype=np.float64)
                rows_out.append(dict(lib=name, workload=wname, mode=mode, threads=1,
                                     seconds=statistics.median(times), qe=qe, te=te))
                log(f"   {name:7s} {mode:6s} t=1 {statistics.median(times):9.4f}s QE={qe:.4f} TE={te:.4f}")
            if len(batch_books) == 2:
                a, b = batch_books.values()
                notes.append(f"{wname} batch: max |XPySom - Somoclu| codebook difference = "
                             f"{np.abs(a - b).max():.3g} (same rule; float32 rounding can flip near-tie "
                             f"BMUs, after which the maps drift apart a little)")

    # Ratios: peer time / ours time (ours single-threaded if present, else its lowest thread count).
    ours_time = {}
    for r in sorted((r for r in rows_out if r["lib"] == "ours"), key=lambda r: -r["threads"]):
        ours_time[(r["workload"], r["mode"])] = (r["seconds"], r["threads"])

    cmdline = shlex.join([Path(sys.executable).name] + sys.argv) if argv is None else \
        shlex.join(["compare.py"] + list(argv))
    lines = []
    lines.append(f"SOM comparison, {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
                 f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs), command: `{cmdline}`")
    lines.append("")
    lines.append(f"Versions: {library_versions()}; Python {platform.python_version()}; BLAS: {blas_info()}. "
                 f"Seconds = median of {args.repeats} run(s) of the training call only.")
    lines.append("")
    lines.append("| library | workload | mode | threads | seconds | quantization error | "
                 "topographic error | peer time / ours time |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows_out:
        ratio = ""
        if r["lib"] != "ours" and (r["workload"], r["mode"]) in ours_time:
            ot, _ = ours_time[(r["workload"], r["mode"])]
            ratio = f"{r['seconds'] / ot:.2f}" if ot > 0 else ""
        lines.append(f"| {r['lib']} | {r['workload']} | {r['mode']} | {r['threads']} | "
                     f"{fmt_secs(r['seconds'])} | {r['qe']:.4f} | {r['te']:.4f} | {ratio} |")
    lines.append("")
    lines.append("Parameters (identical for every library in a row's mode):")
    for wname in workloads:
        wl = WORKLOADS[wname]
        for mode, epochs in wl["runs"]:
            p = run_params(wl, mode, epochs)
            if mode == "online":
                lines.append(f"- {wname} online: {wl['rows']}x{wl['cols']}, {epochs} epochs, "
                             f"alpha0={p['alpha']}, sigma0={p['sigma']}, asymptotic decay per step "
                             f"(v0/(1+2t/T), T=epochs*n), samples in order (t % n), Gaussian "
                             f"exp(-d^2/(2 sigma^2)) on all units")
            else:
                lines.append(f"- {wname} batch: {wl['rows']}x{wl['cols']}, {epochs} epochs, "
                             f"sigma {p['sigma']} -> {p['sigma_end']} linear per epoch, Gaussian "
                             f"exp(-d^2/(2 sigma^2)) on all units (XPySom/Somoclu std_coeff=1, "
                             f"no compact support); learning rate has no effect in batch mode")
    lines.append("- initial codebook: random data samples + N(0, (0.01*feature std)^2) jitter, "
                 "per-workload fixed seed; written to <workdir>/<workload>_init.csv")
    lines.append("- QE/TE: same numpy code for all (TE: best and second-best unit not 8-neighbours)")
    if som_bin is None and "ours" in libs:
        lines.append("- ours: not run (no `som` binary)")
    elif som_bin is not None:
        lines.append(f"- ours: `{shlex.join(ours_command(som_bin, '<data.f32>', '<dim>', '<rows>', '<cols>', '<init.csv>', '<out.csv>', run_params(WORKLOADS['iris'], 'batch', 100), 1))}` (iris batch shown); ratio uses ours at the lowest thread count run")
    for note in notes:
        lines.append(f"- {note}")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
