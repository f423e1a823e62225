"""som.MiniSom against the real MiniSom 2.3.6 from PyPI: same draws, same weights after
training (within 1e-4), same winners and errors, same exceptions."""

import pickle
import warnings

import minisom
import numpy as np
import pytest

import som

TOL = 1e-4
NEIGHBOURHOODS = ["gaussian", "mexican_hat", "bubble", "triangle"]


def data(n=120, dim=4, seed=0):
    return np.random.RandomState(seed).rand(n, dim)


def pair(*args, **kwargs):
    """The same map from both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return som.MiniSom(*args, **kwargs), minisom.MiniSom(*args, **kwargs)


def close(ours, theirs, relative=False):
    """Weights within TOL; `relative`: within TOL of the largest weight's magnitude, for
    maps that grow without bound (MiniSom's Mexican hat pushes units away for ever, in
    MiniSom as here, and float32 carries 7 digits of whatever size the weights reach)."""
    ours, theirs = ours.get_weights(), theirs.get_weights()
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float64
    diff = np.abs(ours - theirs).max()
    scale = max(1.0, np.abs(theirs).max()) if relative else 1.0
    assert diff < TOL * scale, f"weights differ by {diff} (largest weight {np.abs(theirs).max()})"


def test_minisom_version_is_the_spec():
    from importlib.metadata import version
    assert version("minisom") == "2.3.6"


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_initial_weights_are_minisoms_draws(seed):
    ours, theirs = pair(7, 5, 3, random_seed=seed)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())


@pytest.mark.parametrize("hood", NEIGHBOURHOODS)
@pytest.mark.parametrize("decay", ["asymptotic_decay", "inverse_decay_to_zero",
                                   "linear_decay_to_zero"])
@pytest.mark.parametrize("sigma_decay", ["asymptotic_decay", "inverse_decay_to_one",
                                         "linear_decay_to_one"])
def test_train_matches_minisom(hood, decay, sigma_decay):
    x = data()
    sigma = 2.0 if hood in ("bubble", "triangle") else 1.5
    ours, theirs = pair(6, 7, 4, sigma=sigma, learning_rate=0.4, decay_function=decay,
                        neighborhood_function=hood, sigma_decay_function=sigma_decay,
                        random_seed=3)
    ours.train(x, 600)
    theirs.train(x, 600)
    close(ours, theirs, relative=hood == "mexican_hat")
    assert not np.allclose(ours.get_weights(), pair(6, 7, 4, random_seed=3)[0].get_weights())


@pytest.mark.parametrize("random_order", [False, True])
@pytest.mark.parametrize("use_epochs", [False, True])
def test_train_orders_and_epochs(random_order, use_epochs):
    x = data(80)
    ours, theirs = pair(5, 5, 4, sigma=1.2, random_seed=11)
    ours.train(x, 7 if use_epochs else 500, random_order=random_order, use_epochs=use_epochs)
    theirs.train(x, 7 if use_epochs else 500, random_order=random_order,
                 use_epochs=use_epochs)
    close(ours, theirs)
    # The generator moved as MiniSom's did: the next draws agree too.
    ours.train_random(x, 300)
    theirs.train_random(x, 300)
    close(ours, theirs)


def test_train_random_and_train_batch():
    x = data(60)
    ours, theirs = pair(4, 6, 4, random_seed=5)
    ours.train_random(x, 400)
    theirs.train_random(x, 400)
    close(ours, theirs)
    ours.train_batch(x, 400)
    theirs.train_batch(x, 400)
    close(ours, theirs)


def test_fixed_points():
    x = data(50)
    fixed = {0: (0, 0), 3: (4, 3), 10: (2, 2)}
    ours, theirs = pair(5, 4, 4, random_seed=2)
    ours.train(x, 300, fixed_points=fixed)
    theirs.train(x, 300, fixed_points=fixed)
    close(ours, theirs)


def test_callable_decay_function():
    def decay(lr, t, max_iter):
        return lr * (1 - t / max_iter) ** 2

    x = data(40)
    ours, theirs = pair(5, 5, 4, decay_function=decay, random_seed=4)
    ours.train(x, 300)
    theirs.train(x, 300)
    close(ours, theirs)


@pytest.mark.parametrize("hood", NEIGHBOURHOODS)
@pytest.mark.parametrize("sigma_decay", ["asymptotic_decay", "linear_decay_to_one"])
def test_train_batch_offline_matches_minisom(hood, sigma_decay):
    x = data(150)
    sigma = 3.0 if hood in ("bubble", "triangle") else 2.0
    ours, theirs = pair(6, 5, 4, sigma=sigma, neighborhood_function=hood,
                        sigma_decay_function=sigma_decay, random_seed=9)
    ours.train_batch_offline(x, 15)
    theirs.train_batch_offline(x, 15)
    close(ours, theirs, relative=hood == "mexican_hat")


@pytest.mark.parametrize("hood", NEIGHBOURHOODS)
@pytest.mark.parametrize("shape", [(6, 7), (7, 6), (5, 5)])
def test_train_batch_offline_hexagonal_matches_minisom(hood, shape):
    """MiniSom's batch on its hexagonal lattice (odd and even y): the Gaussian and the Mexican
    hat on its hexagonal coordinates, the bubble and the triangle on the grid indices."""
    x = data(150, seed=5)
    sigma = 3.0 if hood in ("bubble", "triangle") else 2.0
    ours, theirs = pair(*shape, 4, sigma=sigma, neighborhood_function=hood,
                        topology="hexagonal", random_seed=9)
    ours.train_batch_offline(x, 15)
    theirs.train_batch_offline(x, 15)
    close(ours, theirs, relative=hood == "mexican_hat")
    # The lattice matters: the same run on the rectangular lattice ends elsewhere (the bubble
    # and the triangle see grid indices on both, as in MiniSom).
    rect, _ = pair(*shape, 4, sigma=sigma, neighborhood_function=hood, random_seed=9)
    rect.train_batch_offline(x, 15)
    differs = np.abs(rect.get_weights() - ours.get_weights()).max() > 1e-3
    assert differs == (hood in ("gaussian", "mexican_hat"))


def trained_pair():
    x = data(200, 5, seed=1)
    ours, theirs = pair(8, 6, 5, sigma=2.0, random_seed=21)
    ours.train(x, 1500)
    theirs.train(x, 1500)
    close(ours, theirs)
    return x, ours, theirs


def test_queries_match_minisom():
    x, ours, theirs = trained_pair()
    for s in x[:50]:
        assert ours.winner(s) == theirs.winner(s)
    np.testing.assert_array_equal(ours.activation_response(x), theirs.activation_response(x))
    np.testing.assert_allclose(ours.quantization(x), theirs.quantization(x), atol=TOL)
    assert abs(ours.quantization_error(x) - theirs.quantization_error(x)) < TOL
    assert ours.topographic_error(x) == theirs.topographic_error(x)
    for scaling in ("sum", "mean"):
        np.testing.assert_allclose(ours.distance_map(scaling), theirs.distance_map(scaling),
                                   atol=TOL)
    np.testing.assert_allclose(ours.activate(x[0]), theirs.activate(x[0]), atol=TOL)
    assert dict(ours.win_map(x, return_indices=True)) == \
        dict(theirs.win_map(x, return_indices=True))
    labels = [int(v * 3) for v in x[:, 0]]
    assert dict(ours.labels_map(x, labels)) == dict(theirs.labels_map(x, labels))
    wm = ours.win_map(x)
    assert sum(len(v) for v in wm.values()) == len(x)
    ex, ey = ours.get_euclidean_coordinates()
    tx, ty = theirs.get_euclidean_coordinates()
    np.testing.assert_array_equal(ex, tx)
    np.testing.assert_array_equal(ey, ty)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("shape", [(6, 7), (7, 6), (1, 4)])
def test_lattice_and_neighbourhoods_match_minisom(topology, shape):
    """MiniSom's coordinates exactly; its neighbourhood functions, `update` and
    `distortion_measure` to the last bits (som's exp is the C library's, MiniSom's numpy's:
    they may differ in the last bit or two)."""
    ours, theirs = pair(*shape, 4, topology=topology, random_seed=4)
    assert type(ours.Y_HEX_CONV_FACTOR) is type(theirs.Y_HEX_CONV_FACTOR)
    assert ours.Y_HEX_CONV_FACTOR == theirs.Y_HEX_CONV_FACTOR
    for a, b in [(ours._xx, theirs._xx), (ours._yy, theirs._yy)]:
        assert a.dtype == b.dtype and a.flags.c_contiguous == b.flags.c_contiguous
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours.get_euclidean_coordinates(),
                                  theirs.get_euclidean_coordinates())
    x, y = shape
    for name in ("_gaussian", "_mexican_hat", "_bubble", "_triangle"):
        for c in [(0, 0), (x - 1, y - 1), (x // 2, y // 2)]:
            for sigma in (0.5, 1, 1.7, 3.0):
                np.testing.assert_allclose(getattr(ours, name)(c, sigma),
                                           getattr(theirs, name)(c, sigma),
                                           rtol=1e-14, atol=1e-15, err_msg=f"{name} {c} {sigma}")
    samples = data(30, seed=2)
    for hood in NEIGHBOURHOODS:
        ours, theirs = pair(*shape, 4, sigma=1.5, neighborhood_function=hood,
                            topology=topology, random_seed=4)
        for t, s in enumerate(samples):
            win = theirs.winner(s)
            ours.update(s, win, t, len(samples))
            theirs.update(s, win, t, len(samples))
        np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), rtol=1e-13,
                                   atol=1e-13)
        assert ours.distortion_measure(samples) == pytest.approx(
            theirs.distortion_measure(samples), rel=1e-12)


def test_initialisations_match_minisom():
    x = data(90, 4, seed=3)
    ours, theirs = pair(5, 6, 4, random_seed=8)
    ours.random_weights_init(x)
    theirs.random_weights_init(x)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())
    ours.pca_weights_init(x)
    theirs.pca_weights_init(x)
    np.testing.assert_allclose(ours.get_weights(), theirs.get_weights(), atol=1e-12)


def test_weights_edited_in_place_and_assigned():
    x = data(50)
    ours, theirs = pair(4, 4, 4, random_seed=1)
    w = np.random.RandomState(2).rand(4, 4, 4)
    ours._weights = w.copy()
    theirs._weights = w.copy()
    ours.get_weights()[0, 0] = 0.5
    theirs.get_weights()[0, 0] = 0.5
    held = ours.get_weights()
    ours.train(x, 200)
    theirs.train(x, 200)
    close(ours, theirs)
    assert held is ours.get_weights()  # trained in place, as MiniSom's `+=` does


def test_pickle_round_trip_continues_like_the_original():
    x = data(70)
    ours, _ = pair(5, 5, 4, random_seed=6)
    ours.train_random(x, 200)
    copy = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(copy.get_weights(), ours.get_weights())
    ours.train_random(x, 200)
    copy.train_random(x, 200)
    np.testing.assert_array_equal(copy.get_weights(), ours.get_weights())
    state = ours.__getstate__()
    assert state["format"] == "som.MiniSom" and state["version"] == 1
    # The saved map inside is the library's saved-map file: som.Som reads it.
    native = som.Som(1, 1, 1)
    native.__setstate__(state["saved_map"])
    assert (native.rows, native.cols, native.dim) == (5, 5, 4)
    np.testing.assert_allclose(native.codebook, ours.get_weights(), atol=1e-6)


def test_pickle_of_another_version_is_refused():
    ours, _ = pair(3, 3, 2, random_seed=0)
    state = ours.__getstate__()
    state["version"] = 99
    other = som.MiniSom.__new__(som.MiniSom)
    with pytest.raises(pickle.UnpicklingError, match="version 99"):
        other.__setstate__(state)


def both_raise(call):
    """`call(cls)` raises the same exception type for MiniSom and som.MiniSom."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            call(minisom.MiniSom)
        with pytest.raises(Exception) as ours:
            call(som.MiniSom)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


@pytest.mark.parametrize("kwargs", [
    dict(topology="triangular"),
    dict(decay_function="nope"),
    dict(sigma_decay_function="linear_decay_to_zero"),
    dict(neighborhood_function="cauchy"),
    dict(activation_distance="hamming"),
])
def test_bad_constructor_arguments(kwargs):
    both_raise(lambda cls: cls(4, 4, 3, **kwargs))


def test_bad_sizes_and_calls():
    x = data(20, 3)
    both_raise(lambda cls: cls(-1, 4, 3))
    both_raise(lambda cls: cls(4, 4, 3).train(x, 0))
    both_raise(lambda cls: cls(4, 4, 3).train_batch_offline(x, 0))
    both_raise(lambda cls: cls(4, 4, 4).train(x, 10))
    both_raise(lambda cls: cls(4, 4, 4).quantization_error(x))
    both_raise(lambda cls: cls(4, 4, 3).labels_map(x, [1, 2]))
    both_raise(lambda cls: cls(4, 4, 3).distance_map("median"))
    both_raise(lambda cls: cls(4, 4, 3).train(x, 10, fixed_points={1.5: (0, 0)}))
    both_raise(lambda cls: cls(4, 4, 3).train(x, 10, fixed_points={1: (9, 0)}))
    both_raise(lambda cls: cls(4, 4, 1).pca_weights_init(x[:, :1]))


def test_unsupported_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="absolute value"):
        som.MiniSom(4, 4, 3, activation_distance="chebyshev")
    with pytest.raises(NotImplementedError):
        som.MiniSom(4, 4, 3, activation_distance=lambda x, w: np.abs(x - w).sum(-1))
    with pytest.raises(NotImplementedError, match="learning rate"):
        som.MiniSom(4, 4, 3, learning_rate=-0.5).train(data(10, 3), 10)


def test_bad_data_gets_a_clear_error():
    m = som.MiniSom(4, 4, 3, random_seed=0)
    x = data(20, 3)
    x[5, 1] = np.nan
    before = m.get_weights().copy()
    with pytest.raises(ValueError, match="sample 5"):
        m.train(x, 50)
    np.testing.assert_array_equal(m.get_weights(), before)
    with pytest.raises(ValueError, match="sample 5"):
        m.quantization_error(x)
    with pytest.raises(ValueError):
        som.MiniSom(0, 4, 3)
    with pytest.raises(ValueError, match="sigma"):
        som.MiniSom(4, 4, 3, sigma=0).train(data(10, 3), 10)
    m._weights = np.zeros((2, 2))
    with pytest.raises(ValueError, match="_weights"):
        m.train(data(10, 3), 10)


@pytest.mark.parametrize("distance", ["cosine", "manhattan"])
def test_activation_distances_match_minisom(distance):
    """Winners by the activation distance in training, online and batch, in `winner` and
    `win_map`; the quantization error stays Euclidean, as in MiniSom."""
    x = data(seed=3)
    for train in ("train", "train_batch_offline"):
        ours, theirs = pair(6, 7, 4, sigma=1.5, learning_rate=0.4, random_seed=5,
                            activation_distance=distance)
        getattr(ours, train)(x, 300 if train == "train" else 20)
        getattr(theirs, train)(x, 300 if train == "train" else 20)
        close(ours, theirs)
        for sample in x[:20]:
            assert tuple(ours.winner(sample)) == tuple(theirs.winner(sample))
        np.testing.assert_allclose(ours.activate(x[0]), theirs.activate(x[0]), atol=1e-6)
        assert abs(ours.quantization_error(x) - theirs.quantization_error(x)) < TOL
        assert {k: len(v) for k, v in ours.win_map(x).items()} == \
            {k: len(v) for k, v in theirs.win_map(x).items()}
    # som.Som from the map searches by the same distance: the same winners.
    native = ours.to_som()
    assert native.distance == distance
    np.testing.assert_array_equal(
        native.winners(x), [np.ravel_multi_index(ours.winner(s), (6, 7)) for s in x])
    # The distance changes the map: the same run by Euclidean distance ends elsewhere.
    plain, _ = pair(6, 7, 4, sigma=1.5, learning_rate=0.4, random_seed=5)
    plain.train(x, 300)
    ours, _ = pair(6, 7, 4, sigma=1.5, learning_rate=0.4, random_seed=5,
                   activation_distance=distance)
    ours.train(x, 300)
    assert np.abs(plain.get_weights() - ours.get_weights()).max() > 1e-3


@pytest.mark.parametrize("hood", NEIGHBOURHOODS)
@pytest.mark.parametrize("shape", [(6, 7), (7, 6), (5, 5)])
def test_hexagonal_matches_minisom(hood, shape):
    """MiniSom's hexagonal lattice (odd and even y): weights after training within 1e-4,
    winners, the hexagonal topographic error and distance map, Euclidean coordinates."""
    x = data(seed=11)
    sigma = 2.0 if hood in ("bubble", "triangle") else 1.5
    ours, theirs = pair(*shape, 4, sigma=sigma, learning_rate=0.4, neighborhood_function=hood,
                        topology="hexagonal", random_seed=2)
    ours.train(x, 500)
    theirs.train(x, 500)
    close(ours, theirs, relative=hood == "mexican_hat")
    if hood == "mexican_hat":
        return  # a diverging map: the queries below compare units that drifted apart
    for sample in x[:30]:
        assert tuple(ours.winner(sample)) == tuple(theirs.winner(sample))
    assert ours.topographic_error(x) == pytest.approx(theirs.topographic_error(x))
    np.testing.assert_allclose(ours.distance_map(), theirs.distance_map(), atol=1e-5)
    np.testing.assert_allclose(ours.get_euclidean_coordinates(),
                               theirs.get_euclidean_coordinates())
