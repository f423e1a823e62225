#!/usr/bin/env python3
"""Classification with a map on iris: MiniSom's classification example beside `som`.

Run from the repository root, in the compare venv (benches/compare/README.md):

    python benches/compare/classify.py [--som target/release/som] [--splits 10]

MiniSom's example (examples/Classification.ipynb in its repository): rows scaled to unit
length, a stratified train/test split, MiniSom(7, 7, 4, sigma=3, learning_rate=0.5,
neighborhood_function='triangle', random_seed=10), pca_weights_init, train_random(.., 500);
each unit takes the most common class of the training samples it wins (labels_map), a unit
without any gives the most common class overall. `som` trains the same map from the same
data with its CLI (`--preset minisom`, the same sigma, rate, neighbourhood, a linear (PCA)
start, 500 shuffled steps) and `--labels`, and predicts with `som map --predict` (units
without samples take the nearest labelled unit's class). Both are scored on the same test
samples; the first split is the example's, the others give the spread.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from minisom import MiniSom
from sklearn import datasets
from sklearn.model_selection import train_test_split

REPO_ROOT = Path(__file__).resolve().parents[2]


def minisom_accuracy(x_train, y_train, x_test, y_test):
    som = MiniSom(7, 7, 4, sigma=3, learning_rate=0.5,
                  neighborhood_function='triangle', random_seed=10)
    som.pca_weights_init(x_train)
    som.train_random(x_train, 500, verbose=False)
    winmap = som.labels_map(x_train, y_train)
    default_class = np.sum(list(winmap.values())).most_common()[0][0]
    predicted = []
    for d in x_test:
        w = som.winner(d)
        predicted.append(winmap[w].most_common()[0][0] if w in winmap else default_class)
    return float(np.mean(np.array(predicted) == y_test))


def som_accuracy(binary, work, x_train, y_train, x_test, y_test):
    def write(name, rows):
        path = work / name
        np.savetxt(path, rows, delimiter=",", fmt="%.9g")
        return str(path)
    train = write("train.csv", x_train)
    test = write("test.csv", x_test)
    labels = work / "labels.csv"
    labels.write_text("".join(f"{c}\n" for c in y_train))
    out = str(work / "map.json")
    subprocess.run(
        [binary, "train", "--data", train, "--labels", str(labels), "--rows", "7",
         "--cols", "7", "--preset", "minisom", "--sigma", "3", "--alpha", "0.5",
         "--neighbourhood", "triangle", "--init", "linear", "--steps", "500",
         "--order", "shuffled", "--seed", "10", "--out", out],
        check=True, capture_output=True)
    predicted = subprocess.run(
        [binary, "map", "--codebook", out, "--data", test, "--predict"],
        check=True, capture_output=True, text=True).stdout.split()
    return float(np.mean(np.array([int(p) for p in predicted]) == y_test))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--som", default=str(REPO_ROOT / "target" / "release" / "som"))
    ap.add_argument("--splits", type=int, default=10)
    args = ap.parse_args()
    if not Path(args.som).exists():
        sys.exit(f"no som binary at {args.som}: cargo build --release -p som-std --features cli")
    iris = datasets.load_iris()
    data = np.apply_along_axis(lambda x: x / np.linalg.norm(x), 1, iris.data)
    labels = iris.target
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for split in range(args.splits):
            x_train, x_test, y_train, y_test = train_test_split(
                data, labels, stratify=labels, random_state=split)
            rows.append((split,
                         minisom_accuracy(x_train, y_train, x_test, y_test),
                         som_accuracy(args.som, Path(tmp), x_train, y_train, x_test, y_test)))
    print("| split (random_state) | MiniSom 2.3.6 | som |")
    print("|---:|---:|---:|")
    for split, a, b in rows:
        print(f"| {split} | {a:.3f} | {b:.3f} |")
    ms = np.array([r[1] for r in rows])
    ours = np.array([r[2] for r in rows])
    print(f"| mean of {len(rows)} | {ms.mean():.3f} (sd {ms.std():.3f}) | "
          f"{ours.mean():.3f} (sd {ours.std():.3f}) |")
    print(f"\n{len(y_test)} test samples per split, 7x7 map, 500 steps.")


if __name__ == "__main__":
    main()
