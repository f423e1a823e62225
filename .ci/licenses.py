#!/usr/bin/env python3
"""Licence check of the dependency tree, called from .ci/run (issue 24).

Reads `cargo metadata` JSON files (the workspace with every feature, and som-py's own
workspace) and checks each crate's `license` field, an SPDX expression, against the allow-list
below: the expression must be satisfiable with allowed licences only (`A OR B` needs one of
them, `A AND B` both; the old `A/B` spelling is `A OR B`). A crate without a `license` field
(only a `license-file`) fails, so a new licence is looked at by a person before it lands.

Why not cargo-deny: it is the usual tool, but CI would compile it from crates.io on every run
(docs/performance.md, "Build times"), and its advisory check needs the RustSec database,
which is fetched from GitHub, which this project's machines cannot reach.
"""

import json
import re
import sys

# Permissive licences compatible with shipping som under MIT OR Apache-2.0.
ALLOWED = {
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "0BSD",
    "BSL-1.0",
    "Unlicense",
    "Unicode-3.0",
}


def tokens(expr):
    expr = expr.replace("/", " OR ")
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expr)


def satisfiable(expr):
    """Whether the SPDX expression can be met with ALLOWED licences only."""
    toks = tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def atom():
        if peek() == "(":
            take()
            value = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expr!r}")
            return value
        name = take()
        if peek() == "WITH":
            take()
            name = f"{name} WITH {take()}"
        return name in ALLOWED

    def conjunction():
        value = atom()
        while peek() == "AND":
            take()
            value = atom() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() == "OR":
            take()
            value = conjunction() or value
        return value

    value = disjunction()
    if pos != len(toks):
        raise ValueError(f"cannot parse {expr!r}")
    return value


def main(paths):
    seen, bad = {}, []
    for path in paths:
        with open(path) as f:
            for package in json.load(f)["packages"]:
                key = (package["name"], package["version"])
                if key in seen:
                    continue
                licence = package.get("license")
                seen[key] = licence
                if not licence or not satisfiable(licence):
                    bad.append(f"{package['name']} {package['version']}: {licence or 'no license field'}")
    if bad:
        print("licences outside the allow-list (.ci/licenses.py):")
        print("\n".join(f"  {line}" for line in sorted(bad)))
        return 1
    print(f"licences: {len(seen)} crates, every one allowed ({len(set(seen.values()))} distinct expressions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
