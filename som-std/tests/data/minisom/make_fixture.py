"""Writes minisom_2.3.6.json: MiniSom 2.3.6 trained from fixed initial codebooks.

Made with: /work/.venv-compare/bin/python som-std/tests/data/minisom/make_fixture.py
(MiniSom 2.3.6, numpy; run from the repository root). Read by som-std/tests/presets.rs.

Data and initial weights are float32 values (stored as float64), so the Rust side starts from
exactly the same numbers; MiniSom itself trains in float64.
"""
import json
import os

import numpy as np
import minisom
from minisom import MiniSom

X, Y, DIM, N = 5, 4, 3, 20
data = np.random.RandomState(7).rand(N, DIM).astype(np.float32).astype(np.float64)

cases = []
for topology, sigma, lr, steps, seed in [
    ("hexagonal", 1.0, 0.5, 200, 1),  # MiniSom's defaults
    ("hexagonal", 1.5, 0.3, 300, 2),
    ("rectangular", 1.0, 0.5, 200, 1),
]:
    som = MiniSom(X, Y, DIM, sigma=sigma, learning_rate=lr, topology=topology,
                  random_seed=seed)
    init = som.get_weights().astype(np.float32).astype(np.float64)
    som._weights = init.copy()
    som.train(data, steps)  # step t presents sample t % N, asymptotic decay of both
    cases.append({
        "topology": topology,
        "sigma": sigma,
        "learning_rate": lr,
        "steps": steps,
        "initial": init.reshape(-1).tolist(),
        "trained": som.get_weights().reshape(-1).tolist(),
        "winners": [list(map(int, som.winner(x))) for x in data],
        "quantization_error": float(som.quantization_error(data)),
        "topographic_error": float(som.topographic_error(data)),
    })

out = {
    "made_by": "som-std/tests/data/minisom/make_fixture.py with MiniSom "
               + getattr(minisom, "__version__", "2.3.6"),
    "x": X, "y": Y, "dim": DIM,
    "data": data.reshape(-1).tolist(),
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "minisom_2.3.6.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
