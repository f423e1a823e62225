#!/usr/bin/env python3
"""Fails when the kernel's top-level modules import each other in a cycle.

Reads `som-kernel/src` as text: each top-level module (a file, or a folder with its files)
depends on the modules its code names as `crate::name`, outside comments and test modules.
A cycle is printed as its path of modules. Layers stay layers: the reference (the spec)
below the searches and the loops, the maps above them.
"""
import pathlib
import re
import sys

src = pathlib.Path(__file__).resolve().parent.parent / "som-kernel" / "src"
deps = {}
for path in src.rglob("*.rs"):
    module = path.relative_to(src).parts[0].removesuffix(".rs")
    text = re.split(r"#\[cfg\(test\)\]", path.read_text())[0]
    code = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
    deps.setdefault(module, set()).update(re.findall(r"crate::([a-z_]+)", code))
graph = {m: {d for d in ds if d in deps and d != m} for m, ds in deps.items()}

state, cycles = {}, []


def visit(module, path):
    state[module] = "open"
    for dep in sorted(graph[module]):
        if state.get(dep) == "open":
            cycles.append(path[path.index(dep):] + [dep])
        elif dep not in state:
            visit(dep, path + [dep])
    state[module] = "done"


for module in sorted(graph):
    if module not in state:
        visit(module, [module])
for cycle in cycles:
    print("kernel modules in a cycle: " + " -> ".join(cycle))
print(f"{len(graph)} kernel modules, {len(cycles)} import cycles")
sys.exit(1 if cycles else 0)
