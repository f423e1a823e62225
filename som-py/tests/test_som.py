"""som.Som, the native map: training, queries, files, pictures, pickling, bad input."""

import pickle

import numpy as np
import pytest

import som


def blobs(n=600, dim=3, seed=0):
    rng = np.random.RandomState(seed)
    centres = rng.rand(4, dim) * 4
    return (centres[rng.randint(4, size=n)] + rng.randn(n, dim) * 0.1).astype(np.float32)


def test_online_and_batch_training_learn():
    x = blobs()
    for train in (lambda m: m.train(x, 5), lambda m: m.train_batch(x, 10)):
        m = som.Som(6, 6, 3, seed=1, init="samples")
        m.train(x[:1], steps=0)  # runs the data-dependent initialisation only
        before = m.quantization_error(x)
        train(m)
        after = m.quantization_error(x)
        assert after < 0.5 * before, (before, after)
        assert m.codebook.shape == (6, 6, 3)


def test_batch_is_the_same_for_any_thread_count():
    x = blobs(5000, 4)
    maps = [som.Som(8, 8, 4, seed=3, threads=t) for t in (1, 2)]
    for m in maps:
        m.train_batch(x, 4)
    np.testing.assert_array_equal(maps[0].codebook, maps[1].codebook)


def test_float64_and_float32_data_agree():
    x = blobs()
    a, b = som.Som(5, 5, 3, seed=2), som.Som(5, 5, 3, seed=2)
    a.train(x, 2)
    b.train(x.astype(np.float64), 2)
    np.testing.assert_array_equal(a.codebook, b.codebook)


def test_queries():
    x = blobs()
    m = som.Som(5, 7, 3, seed=4, boundary="toroidal", cutoff=1e-3)
    m.train(x, 3, order="shuffled")
    w = m.winners(x)
    assert w.shape == (len(x),) and w.min() >= 0 and w.max() < 35
    assert m.winner(x[0]) == divmod(int(w[0]), 7)
    hits = m.hits(x)
    assert hits.shape == (5, 7) and hits.sum() == len(x)
    q = m.quantization_errors(x)
    cb = m.codebook.reshape(35, 3)
    np.testing.assert_allclose(q, np.linalg.norm(x - cb[w], axis=1), rtol=1e-4, atol=1e-5)
    assert abs(m.quantization_error(x) - q.mean()) < 1e-5
    assert 0.0 <= m.topographic_error(x) <= 1.0
    assert m.umatrix().shape == (5, 7)
    assert m.boundary == "toroidal"


def test_partial_fit_moves_the_winner_towards_the_sample():
    m = som.Som(4, 4, 2, seed=0)
    x = np.array([0.9, 0.1])
    k = m.partial_fit(x)
    before = m.codebook.reshape(16, 2)[k].copy()
    k2 = m.partial_fit(x)
    assert k2 == k
    after = m.codebook.reshape(16, 2)[k]
    assert np.linalg.norm(after - x) < np.linalg.norm(before - x)


def test_pickle_save_load_and_files(tmp_path):
    x = blobs()
    m = som.Som(4, 5, 3, seed=5, neighbourhood="bubble", sigma=2.0)
    m.train(x, 2)
    for copy in (pickle.loads(pickle.dumps(m)),):
        np.testing.assert_array_equal(copy.codebook, m.codebook)
        np.testing.assert_array_equal(copy.winners(x), m.winners(x))
    m.save(tmp_path / "map.json")
    np.testing.assert_array_equal(som.Som.load(tmp_path / "map.json").codebook, m.codebook)
    m.write_codebook(tmp_path / "map.cod")
    back = som.Som.read_codebook(tmp_path / "map.cod")
    np.testing.assert_allclose(back.codebook, m.codebook, atol=1e-5)
    m.write_codebook(tmp_path / "map.csv")
    back = som.Som.read_codebook(tmp_path / "map.csv", shape=(4, 5))
    np.testing.assert_allclose(back.codebook, m.codebook, atol=1e-5)
    with pytest.raises(OSError):
        som.Som.load(tmp_path / "missing.json")
    with pytest.raises(ValueError):
        m.__setstate__(b'{"format": "som", "version": 99}')


def test_pictures():
    x = blobs()
    x = (x - x.min()) / (x.max() - x.min())  # colours in [0, 1] for the rgb picture
    m = som.Som(4, 6, 3, seed=6)
    m.train(x, 1)
    png = m.picture("umatrix")
    assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
    for kind in ("umatrix", "rgb", "component"):
        arr = m.picture(kind, as_array=True)
        assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3
        assert arr.min() < arr.max()
    assert m.picture("hits", data=x, as_array=True).shape[2] == 3
    with pytest.raises(ValueError, match="needs data"):
        m.picture("hits")


def test_codebook_setter():
    m = som.Som(2, 3, 2)
    cb = np.arange(12, dtype=np.float64).reshape(2, 3, 2)
    m.codebook = cb
    np.testing.assert_array_equal(m.codebook, cb)
    with pytest.raises(ValueError, match="expected"):
        m.codebook = np.zeros((3, 3, 2))
    with pytest.raises(ValueError, match="finite"):
        m.codebook = np.full((2, 3, 2), np.nan)


@pytest.mark.parametrize("kwargs, match", [
    (dict(rows=0), "rows"),
    (dict(dim=0), "dim"),
    (dict(topology="triangular"), "topology"),
    (dict(boundary="spherical"), "boundary"),
    (dict(neighbourhood="cauchy"), "neighbourhood"),
    (dict(alpha_decay="cubic"), "decay"),
    (dict(sigma_decay="inverse"), "final value"),
    (dict(cutoff=2.0), "cutoff"),
    (dict(alpha=float("nan")), "alpha"),
    (dict(init="zeros"), "init"),
])
def test_bad_arguments(kwargs, match):
    args = dict(rows=3, cols=3, dim=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        som.Som(args.pop("rows"), args.pop("cols"), args.pop("dim"), **args)


def test_bad_data():
    m = som.Som(3, 3, 2)
    with pytest.raises(ValueError, match="expected 2"):
        m.train(np.zeros((5, 3)), 1)
    with pytest.raises(ValueError, match="2-D"):
        m.train(np.zeros(6), 1)
    x = np.zeros((5, 2))
    x[3, 0] = np.nan
    with pytest.raises(ValueError, match="3"):
        m.train(x, 1)
    with pytest.raises(ValueError):
        m.train(np.zeros((0, 2)), 1)
    with pytest.raises(ValueError, match="expected 2"):
        m.partial_fit([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="not both"):
        m.train(np.zeros((5, 2)), 1, steps=3)


# ----------------------------------------------------------- distances and missing values

# x = [1, 1] against four units, by hand:
#   unit       diff        euclidean  manhattan  chebyshev  cosine (1 - cos)
#   (4, 1)     (3, 0)      3.000      3.0        3.0        0.143
#   (3.4, 3.4) (2.4, 2.4)  3.394      4.8        2.4        0
#   (3.6, 2)   (2.6, 1)    2.786      3.6        2.6        0.038
#   (-5, -5)   (6, 6)      8.485      12         6          2
FOUR = np.array([[4, 1], [3.4, 3.4], [3.6, 2], [-5, -5]], dtype=np.float32)


@pytest.mark.parametrize("distance, unit", [
    ("euclidean", 2), ("manhattan", 0), ("chebyshev", 1), ("cosine", 1),
])
def test_distance_picks_the_unit_nearest_by_it(distance, unit):
    m = som.Som(2, 2, 2, init=FOUR, distance=distance)
    assert m.distance == distance
    assert m.winner([1, 1]) == divmod(unit, 2)
    np.testing.assert_array_equal(m.winners([[1, 1]]), [unit])
    # The quantization error stays the Euclidean distance to the unit found.
    q = np.linalg.norm(FOUR[unit] - 1)
    np.testing.assert_allclose(m.quantization_errors([[1, 1]]), [q], rtol=1e-6)


def test_distance_ranks_in_training_too():
    """Training by another distance picks other winners, so it ends elsewhere."""
    x = blobs(300, 3, seed=2)
    maps = {d: som.Som(4, 4, 3, seed=1, distance=d) for d in ("euclidean", "manhattan")}
    for m in maps.values():
        m.train(x, 2)
    assert np.abs(maps["euclidean"].codebook - maps["manhattan"].codebook).max() > 1e-3


# Three units of three components; by hand, over the components present:
#   [nan, 1.2, nan]: |1.2 - 0|, |1.2 - 1|, |1.2 - 5|      -> unit 1 (0.2)
#   [4, nan, 8]:     sqrt(16+64), sqrt(1+1), sqrt(9+289)  -> unit 1 (1.414)
#   [0.5, 4, nan]:   sqrt(.25+16), sqrt(20.25+9), sqrt(.25+1) -> unit 2 (1.118)
THREE = np.array([[0, 0, 0], [5, 1, 9], [1, 5, -9]], dtype=np.float32)
GAPS = np.array([[np.nan, 1.2, np.nan], [4, np.nan, 8], [0.5, 4, np.nan]])


def test_masked_distance_uses_the_components_present():
    m = som.Som(1, 3, 3, init=THREE, missing="mask")
    assert m.missing == "mask"
    np.testing.assert_array_equal(m.winners(GAPS), [1, 1, 2])
    np.testing.assert_allclose(m.quantization_errors(GAPS), [0.2, np.sqrt(2), np.sqrt(1.25)],
                               rtol=1e-6)
    assert m.winner(GAPS[2]) == (0, 2)
    # Read as zeros, the first sample would go to unit 0: masking is what decides.
    assert som.Som(1, 3, 3, init=THREE).winner(np.nan_to_num(GAPS[0])) == (0, 0)
    # A sample with nothing known has no unit.
    nothing = [np.nan] * 3
    assert m.winner(nothing) is None
    np.testing.assert_array_equal(m.winners([nothing, GAPS[0]]), [-1, 1])
    assert np.isnan(m.quantization_errors([nothing])[0])


def test_impute_fills_from_the_unit_found_on_the_components_present():
    for missing in ("mask", "error"):  # impute masks whatever the map's setting
        m = som.Som(1, 3, 3, init=THREE, missing=missing)
        filled = m.impute(GAPS)
        assert filled.dtype == np.float32 and filled.shape == (3, 3)
        np.testing.assert_allclose(filled, [[5, 1.2, 9], [4, 1, 8], [0.5, 4, -9]], rtol=1e-6)
        with pytest.raises(ValueError, match="sample 1"):
            m.impute([GAPS[0], [np.nan] * 3])
        with pytest.raises(ValueError, match="expected 3"):
            m.impute(np.zeros((2, 2)))
    # The cosine has no masked form (its norms would need the mask too).
    with pytest.raises(NotImplementedError, match="cosine"):
        som.Som(1, 3, 3, init=THREE, distance="cosine").impute(GAPS)


def test_partial_fit_with_missing_values():
    """alpha 0.5, sigma 0.1 (neighbours at distance 1 get h = e^-50: nothing): only the
    winner moves, and only on the components present."""
    m = som.Som(1, 3, 3, init=THREE, missing="mask", alpha=0.5, alpha_decay="constant",
                sigma=0.1, sigma_decay="constant")
    assert m.partial_fit([np.nan, 2.2, np.nan]) == 1  # |2.2 - 1| is the smallest
    want = THREE.copy()
    want[1, 1] = 1 + 0.5 * (2.2 - 1)
    np.testing.assert_allclose(m.codebook.reshape(3, 3), want, rtol=1e-6)
    assert m.partial_fit([np.nan] * 3) is None
    np.testing.assert_allclose(m.codebook.reshape(3, 3), want, rtol=1e-6)
    with pytest.raises(ValueError):
        som.Som(1, 3, 3, init=THREE).partial_fit([np.nan, 2.2, np.nan])


def test_masked_training_leaves_missing_components_alone():
    x = blobs(300, 3, seed=4)
    x[:, 2] = np.nan  # the last component never known: no unit may move on it
    x[::7, 0] = np.nan
    for train in (lambda m: m.train(x, 2), lambda m: m.train_batch(x, 3)):
        m = som.Som(4, 4, 3, seed=2, missing="mask")
        before = m.codebook
        train(m)
        after = m.codebook
        np.testing.assert_array_equal(after[..., 2], before[..., 2])
        assert np.abs(after[..., :2] - before[..., :2]).max() > 1e-2
    with pytest.raises(ValueError, match="mask"):
        som.Som(4, 4, 3, seed=2).train(x, 1)


def test_distance_and_missing_survive_pickling_and_saving(tmp_path):
    m = som.Som(1, 3, 3, init=THREE, distance="manhattan", missing="mask")
    for copy in (pickle.loads(pickle.dumps(m)),):
        assert (copy.distance, copy.missing) == ("manhattan", "mask")
        np.testing.assert_array_equal(copy.winners(GAPS), m.winners(GAPS))
    m.save(tmp_path / "map.json")
    back = som.Som.load(tmp_path / "map.json")
    assert (back.distance, back.missing) == ("manhattan", "mask")
    assert "distance='manhattan'" in repr(m).replace('"', "'")


def test_missing_can_be_switched():
    m = som.Som(1, 3, 3, init=THREE)
    with pytest.raises(ValueError, match="mask"):
        m.winners(GAPS)
    m.missing = "mask"
    np.testing.assert_array_equal(m.winners(GAPS), [1, 1, 2])
    with pytest.raises(ValueError, match="missing"):
        m.missing = "drop"
    c = som.Som(1, 3, 3, init=THREE, distance="cosine")
    with pytest.raises(ValueError, match="cosine"):
        c.missing = "mask"
    assert c.missing == "error"


@pytest.mark.parametrize("kwargs, match", [
    (dict(distance="minkowski"), "distance"),
    (dict(missing="drop"), "missing"),
    (dict(distance="cosine", missing="mask"), "cosine"),
])
def test_bad_distance_and_missing(kwargs, match):
    with pytest.raises(ValueError, match=match):
        som.Som(3, 3, 2, **kwargs)


def test_settings_take_the_librarys_names_and_refuse_others_naming_them():
    m = som.Som(2, 3, 2, topology="hex", boundary="toroidal", neighbourhood="mexican_hat",
                clock="epoch", distance="manhattan", missing="mask")
    assert (m.topology, m.boundary, m.distance, m.missing) == (
        "hexagonal", "toroidal", "manhattan", "mask")
    assert som.Som(2, 3, 2, topology="rectangular").topology == "rectangular"
    for kw, expected in [("topology", "rect, hex"), ("boundary", "planar, toroidal"),
                         ("neighbourhood", "gaussian, bubble, triangle, mexican-hat"),
                         ("clock", "sample, epoch"), ("missing", "error, mask")]:
        with pytest.raises(ValueError, match='"nope".*expected one of ' + expected):
            som.Som(2, 3, 2, **{kw: "nope"})
    with pytest.raises(ValueError, match="expected one of sequential, shuffled"):
        m.train(np.zeros((4, 2), np.float32), 1, order="nope")
