"""Type hints of the extension module ``som._som`` (Rust, PyO3)."""

from os import PathLike
from typing import Literal, Optional, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
Path = Union[str, PathLike]

SIMD_LEVEL: str
"""The instruction set the kernel runs at on this CPU (e.g. 'Avx512', 'Avx2', 'Sse2')."""
MINISOM_Y_HEX_CONV_FACTOR: float
"""MiniSom's ``Y_HEX_CONV_FACTOR``, ``(3 / 2) / sqrt(3)``: its hexagonal rows' spacing."""

Decay = Literal["constant", "linear", "asymptotic", "inverse", "exponential"]
DistanceName = Literal["euclidean", "cosine", "manhattan", "chebyshev"]
MissingName = Literal["error", "mask"]

class Som:
    """A Self-Organizing Map trained by the ``som`` library: a ``rows x cols`` lattice of
    ``dim``-dimensional float32 units.

    Schedules: the learning rate runs from ``alpha`` to ``alpha_end`` and the width from
    ``sigma`` (default ``max(rows, cols) / 2``) to ``sigma_end`` (0.5 for the default linear
    decay) by ``*_decay``; ``clock`` says whether a step of the schedules is a sample or an
    epoch. ``cutoff`` skips units whose neighbourhood weight is below it (0 updates all).
    ``init`` is a name (uniform, normal, unit_vectors, data_range, samples, linear) or a
    codebook array. ``threads``: 0 for all cores; results are the same for any count.

    ``distance`` ranks the units, in training and in every search: 'euclidean', 'cosine',
    'manhattan' or 'chebyshev' (``max |x - w|``); the quantization error stays the Euclidean
    distance to the unit found, as in MiniSom. ``missing`` says what NaN in data means:
    'error' (a ``ValueError`` naming the sample) or 'mask' (SOM_PAK's way: a missing
    component is left out of distances, without rescaling, and of updates and batch sums; a
    sample with every component missing has no unit: ``winner`` and ``partial_fit`` return
    ``None``, ``winners`` -1, ``quantization_errors`` NaN). Masking is refused with the
    cosine. Both are saved with the map and pickled.

    Pickles through the library's saved-map file (version-tagged JSON); the random
    generator's position is not part of it.
    """

    def __init__(
        self,
        rows: int,
        cols: int,
        dim: int,
        *,
        topology: Literal["rectangular", "hexagonal"] = "rectangular",
        boundary: Literal["planar", "toroidal"] = "planar",
        neighbourhood: Literal["gaussian", "bubble", "triangle", "mexican_hat"] = "gaussian",
        alpha: float = 0.5,
        alpha_end: Optional[float] = None,
        alpha_decay: Decay = "linear",
        sigma: Optional[float] = None,
        sigma_end: Optional[float] = None,
        sigma_decay: Decay = "linear",
        cutoff: float = 0.0,
        clock: Literal["sample", "epoch"] = "sample",
        init: Union[str, ArrayLike, None] = None,
        seed: int = 0,
        epochs: int = 100,
        threads: int = 0,
        stream_steps: int = 10_000,
        distance: DistanceName = "euclidean",
        missing: MissingName = "error",
    ) -> None: ...
    @property
    def rows(self) -> int: ...
    @property
    def cols(self) -> int: ...
    @property
    def dim(self) -> int: ...
    @property
    def topology(self) -> str: ...
    @property
    def boundary(self) -> str: ...
    @property
    def distance(self) -> DistanceName:
        """The distance that ranks units (set at construction)."""
    @property
    def missing(self) -> MissingName:
        """What NaN in data means; assign 'error' or 'mask' to change it (a map trained
        without masking can map data with gaps, and the other way round)."""
    @missing.setter
    def missing(self, value: MissingName) -> None: ...
    @property
    def codebook(self) -> npt.NDArray[np.float32]:
        """A copy of the weights, ``(rows, cols, dim)``; assign an array to replace them."""
    @codebook.setter
    def codebook(self, value: ArrayLike) -> None: ...
    def train(
        self,
        data: ArrayLike,
        epochs: Optional[int] = None,
        *,
        steps: Optional[int] = None,
        order: Literal["sequential", "shuffled"] = "sequential",
    ) -> None:
        """Online training for ``epochs`` passes (default: the constructor's ``epochs``) or
        ``steps`` single-sample updates; the GIL is released meanwhile."""
    def train_batch(self, data: ArrayLike, epochs: int) -> None:
        """Batch training on all the map's threads: per epoch every winner, then every unit
        to the neighbourhood-weighted mean. Same result for any thread count."""
    def partial_fit(self, x: ArrayLike) -> Optional[int]:
        """One online step on one sample, schedules continuing over ``stream_steps``;
        returns the sample's winner (unit index) before the update, ``None`` for a sample
        with every component missing (masking: it trains nothing but counts as a step)."""
    def winners(self, data: ArrayLike) -> npt.NDArray[np.int64]:
        """Each sample's best-matching unit, as ``row * cols + col`` (-1 for a sample with
        every component missing, with masking)."""
    def winner(self, x: ArrayLike) -> Optional[Tuple[int, int]]:
        """``(row, col)`` of one sample's best-matching unit (``None`` for a sample with
        every component missing, with masking)."""
    def impute(self, data: ArrayLike) -> npt.NDArray[np.float32]:
        """The samples with every missing value (NaN) replaced by that component of the
        sample's best-matching unit, found over the components present (masking, whatever
        ``missing`` says): ``(n, dim)`` float32. A sample with every component missing raises
        ``ValueError`` (naming it); a cosine map raises ``NotImplementedError``."""
    def quantization_errors(self, data: ArrayLike) -> npt.NDArray[np.float32]:
        """Each sample's distance to its best-matching unit (anomaly scores)."""
    def quantization_error(self, data: ArrayLike) -> float: ...
    def topographic_error(self, data: ArrayLike) -> float:
        """Fraction of samples whose two best units are not lattice neighbours."""
    def umatrix(self) -> npt.NDArray[np.float32]:
        """Each unit's mean distance to its lattice neighbours, ``(rows, cols)``."""
    def hits(self, data: ArrayLike) -> npt.NDArray[np.uint64]:
        """How many samples each unit wins, ``(rows, cols)``."""
    def save(self, path: Path) -> None:
        """Writes the map as a saved-map file (version-tagged JSON), atomically."""
    @staticmethod
    def load(path: Path) -> "Som": ...
    def write_codebook(self, path: Path) -> None:
        """Writes the codebook by extension: .json (saved map), .cod (SOM_PAK), .csv, .f32."""
    @staticmethod
    def read_codebook(
        path: Path, shape: Optional[Tuple[int, int]] = None, dim: Optional[int] = None
    ) -> "Som":
        """A map from a .json, .cod, .csv or .f32 codebook (tables need ``shape``)."""
    @overload
    def picture(
        self,
        kind: Literal["umatrix", "component", "rgb", "hits"] = "umatrix",
        *,
        data: Optional[ArrayLike] = None,
        component: int = 0,
        palette: Literal["viridis", "magma", "cividis", "greys"] = "viridis",
        cell: int = 28,
        title: Optional[str] = None,
        as_array: Literal[False] = False,
    ) -> bytes: ...
    @overload
    def picture(
        self,
        kind: Literal["umatrix", "component", "rgb", "hits"] = "umatrix",
        *,
        data: Optional[ArrayLike] = None,
        component: int = 0,
        palette: Literal["viridis", "magma", "cividis", "greys"] = "viridis",
        cell: int = 28,
        title: Optional[str] = None,
        as_array: Literal[True],
    ) -> npt.NDArray[np.uint8]:
        """A picture of the map: PNG bytes, or an ``(height, width, 3)`` uint8 array."""
    def __getstate__(self) -> bytes: ...
    def __setstate__(self, state: bytes) -> None: ...

def minisom_train(
    weights: npt.NDArray[np.float64],
    x: int,
    y: int,
    data: npt.NDArray[np.float32],
    indices: npt.NDArray[np.int64],
    per: int,
    eta: npt.NDArray[np.float64],
    sigma: npt.NDArray[np.float64],
    neighborhood: str,
    forced: Optional[npt.NDArray[np.int64]] = None,
    activation_distance: str = "euclidean",
    hexagonal: bool = False,
) -> None: ...
def minisom_train_batch(
    weights: npt.NDArray[np.float64],
    x: int,
    y: int,
    data: npt.NDArray[np.float32],
    eta: npt.NDArray[np.float64],
    sigma: npt.NDArray[np.float64],
    neighborhood: str,
    activation_distance: str = "euclidean",
    hexagonal: bool = False,
) -> None: ...
def minisom_winners(
    weights: npt.NDArray[np.float64],
    x: int,
    y: int,
    data: npt.NDArray[np.float32],
    activation_distance: str = "euclidean",
    hexagonal: bool = False,
) -> npt.NDArray[np.int64]: ...
def minisom_winners2(
    weights: npt.NDArray[np.float64],
    x: int,
    y: int,
    data: npt.NDArray[np.float32],
    hexagonal: bool = False,
) -> npt.NDArray[np.int64]: ...
def minisom_neighbourhood(
    name: str,
    x: int,
    y: int,
    hexagonal: bool,
    c: Tuple[int, int],
    sigma: float,
) -> npt.NDArray[np.float64]: ...
def minisom_coordinates(
    x: int, y: int, hexagonal: bool
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
