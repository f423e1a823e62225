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
