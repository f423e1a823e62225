"""Self-Organizing Maps on the `som` Rust SIMD kernel.

- ``som.MiniSom``: MiniSom 2.3.6's API, defaults and random draws, so that
  ``from som import MiniSom`` is the only change a MiniSom notebook needs.
- ``som.Som``: the library's own map (batch training on all cores, toroidal maps,
  cut-off, saved maps and SOM_PAK files, pictures, streaming with ``partial_fit``).
"""

from ._som import SIMD_LEVEL, Som
from ._minisom import MiniSom

__all__ = ["MiniSom", "Som", "SIMD_LEVEL"]
__version__ = "0.1.0"
