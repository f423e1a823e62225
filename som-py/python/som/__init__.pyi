from ._minisom import MiniSom as MiniSom
from ._som import SIMD_LEVEL as SIMD_LEVEL, Som as Som

__all__ = ["MiniSom", "Som", "SIMD_LEVEL"]
__version__: str
