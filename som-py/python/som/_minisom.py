"""``som.MiniSom``: MiniSom 2.3.6's public API on the `som` kernel.

MiniSom's source is the specification. What is random (the initial weights, the sample
order, ``random_weights_init``) is drawn here exactly as MiniSom draws it, from
``numpy.random.RandomState(random_seed)``; the training loops and winner searches run in
Rust (``som._som``) without the GIL. The weights stay a float64 array ``(x, y, input_len)``
in ``self._weights`` that users may read, edit in place or replace, as in MiniSom.

Differences, each raised rather than silent: the 'chebyshev' activation distance
(MiniSom's has no absolute value) and callable ones raise ``NotImplementedError``, as do
negative learning rates. The kernel computes in float32, so weights agree with MiniSom's
float64 to about 1e-6 per unit of scale, and a sample that is equally close to two units (to float32 precision) may
pick the other one.
"""

import pickle
from collections import Counter, defaultdict
from warnings import warn

import numpy as np

from . import _som

_FORMAT = "som.MiniSom"
_VERSION = 1


def _build_iteration_indexes(data_len, num_iterations, random_generator=None,
                             use_epochs=False):
    """MiniSom's sample order: the index of the sample of every step."""
    if use_epochs:
        iterations_per_epoch = np.arange(data_len)
        if random_generator:
            random_generator.shuffle(iterations_per_epoch)
        iterations = np.tile(iterations_per_epoch, num_iterations)
    else:
        iterations = np.arange(num_iterations) % data_len
        if random_generator:
            random_generator.shuffle(iterations)
    return iterations


def fast_norm(x):
    """Returns norm-2 of a 1-D numpy array."""
    return np.sqrt(np.dot(x, x.T))


def _samples(data, input_len):
    """``data`` as a C-contiguous float32 ``(n, input_len)`` array for the kernel (no copy
    when it already is one)."""
    arr = np.ascontiguousarray(data, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != input_len:
        raise ValueError(f"data of shape {arr.shape}: expected (samples, {input_len})")
    return arr


class MiniSom(object):
    """A Self-Organizing Map with MiniSom 2.3.6's API, defaults and semantics.

    ``MiniSom(x, y, input_len, sigma=1, learning_rate=0.5,
    decay_function='asymptotic_decay', neighborhood_function='gaussian',
    topology='rectangular', activation_distance='euclidean', random_seed=None,
    sigma_decay_function='asymptotic_decay')``: an ``x`` by ``y`` map of
    ``input_len``-dimensional weights, drawn as MiniSom draws them from
    ``numpy.random.RandomState(random_seed)``. Arguments MiniSom rejects raise the same
    exception; what som does not do raises ``NotImplementedError`` (see the module).
    """

    Y_HEX_CONV_FACTOR = np.float64(_som.MINISOM_Y_HEX_CONV_FACTOR)

    def __init__(self, x, y, input_len, sigma=1, learning_rate=0.5,
                 decay_function='asymptotic_decay',
                 neighborhood_function='gaussian', topology='rectangular',
                 activation_distance='euclidean', random_seed=None,
                 sigma_decay_function='asymptotic_decay'):
        if sigma > np.sqrt(x*x + y*y):
            warn('Warning: sigma might be too high ' +
                 'for the dimension of the map.')

        self._random_generator = np.random.RandomState(random_seed)

        self._learning_rate = learning_rate
        self._sigma = sigma
        self._input_len = input_len
        # random initialization, MiniSom's draws
        self._weights = self._random_generator.rand(x, y, input_len)*2-1
        self._weights /= np.linalg.norm(self._weights, axis=-1, keepdims=True)

        self._activation_map = np.zeros((x, y))
        self._neigx = np.arange(x)
        self._neigy = np.arange(y)

        if topology not in ['hexagonal', 'rectangular']:
            msg = '%s not supported only hexagonal and rectangular available'
            raise ValueError(msg % topology)
        self.topology = topology
        self._hex = topology == 'hexagonal'
        # MiniSom's coordinates of the units (som_std::minisom), its (y, x) meshgrids.
        xx, yy = _som.minisom_coordinates(x, y, self._hex)
        self._xx, self._yy = xx.T.copy(), yy.T.copy()
        if self._hex and neighborhood_function in ['triangle']:
            warn('triangle neighborhood function does not ' +
                 'take in account hexagonal topology')

        lr_decay_functions = {
            'inverse_decay_to_zero': self._inverse_decay_to_zero,
            'linear_decay_to_zero': self._linear_decay_to_zero,
            'asymptotic_decay': self._asymptotic_decay}
        if isinstance(decay_function, str):
            if decay_function not in lr_decay_functions:
                msg = '%s not supported. Functions available: %s'
                raise ValueError(msg % (decay_function,
                                        ', '.join(lr_decay_functions.keys())))
            self._learning_rate_decay_function = \
                lr_decay_functions[decay_function]
        elif callable(decay_function):
            self._learning_rate_decay_function = decay_function

        sig_decay_functions = {
            'inverse_decay_to_one': self._inverse_decay_to_one,
            'linear_decay_to_one': self._linear_decay_to_one,
            'asymptotic_decay': self._asymptotic_decay}
        if sigma_decay_function not in sig_decay_functions:
            msg = '%s not supported. Functions available: %s'
            raise ValueError(msg % (sigma_decay_function,
                                    ', '.join(sig_decay_functions.keys())))
        self._sigma_decay_function = sig_decay_functions[sigma_decay_function]

        neig_functions = {'gaussian': self._gaussian,
                          'mexican_hat': self._mexican_hat,
                          'bubble': self._bubble,
                          'triangle': self._triangle}
        if neighborhood_function not in neig_functions:
            msg = '%s not supported. Functions available: %s'
            raise ValueError(msg % (neighborhood_function,
                                    ', '.join(neig_functions.keys())))
        if neighborhood_function in ['triangle',
                                     'bubble'] and (divmod(sigma, 1)[1] != 0
                                                    or sigma < 1):
            warn('sigma should be an integer >=1 when triangle or bubble' +
                 'are used as neighborhood function')
        self.neighborhood = neig_functions[neighborhood_function]
        self._neighborhood_name = neighborhood_function

        # MiniSom's chebyshev is max(x - w), without the absolute value: som ranks by the
        # true Chebyshev distance (som.Som(..., distance='chebyshev')), so it is not offered
        # here under MiniSom's name.
        distance_functions = {'euclidean': self._euclidean_distance,
                              'cosine': self._cosine_distance,
                              'manhattan': self._manhattan_distance}
        if isinstance(activation_distance, str):
            if activation_distance not in ('euclidean', 'cosine', 'manhattan',
                                           'chebyshev'):
                msg = '%s not supported. Distances available: %s'
                raise ValueError(msg % (activation_distance,
                                        'euclidean, cosine, manhattan, chebyshev'))
        # Everything MiniSom accepts has been accepted; now what som cannot do yet.
        if activation_distance not in distance_functions:
            why = ("MiniSom's chebyshev is max(x - w), without the absolute value; som "
                   "ranks by max|x - w| (som.Som(..., distance='chebyshev'))"
                   if activation_distance == 'chebyshev' else
                   "som finds winners by euclidean, cosine or manhattan distance")
            raise NotImplementedError(
                f"som.MiniSom: activation_distance={activation_distance!r} is not "
                f"supported: {why}")
        self._activation_distance = distance_functions[activation_distance]
        self._distance_name = activation_distance
        if x * y * input_len == 0:
            raise ValueError(f'a {x} x {y} map of input_len {input_len}: '
                             'expected sizes >= 1')

    # ----------------------------------------------------------------- MiniSom's helpers

    def get_weights(self):
        """Returns the weights of the neural network."""
        return self._weights

    def get_euclidean_coordinates(self):
        """The positions of the units in the plane, as two meshgrids ``xx``, ``yy``."""
        return self._xx.T, self._yy.T

    def convert_map_to_euclidean(self, xy):
        """Converts map coordinates into euclidean coordinates."""
        return self._xx.T[xy], self._yy.T[xy]

    def _activate(self, x):
        self._activation_map = self._activation_distance(x, self._weights)

    def activate(self, x):
        """Returns the activation map to x (Euclidean distance to every unit)."""
        self._activate(x)
        return self._activation_map

    def _inverse_decay_to_zero(self, learning_rate, t, max_iter):
        C = max_iter / 100.0
        return learning_rate * C / (C + t)

    def _linear_decay_to_zero(self, learning_rate, t, max_iter):
        return learning_rate * (1 - t / max_iter)

    def _inverse_decay_to_one(self, sigma, t, max_iter):
        C = (sigma - 1) / max_iter
        return sigma / (1 + (t * C))

    def _linear_decay_to_one(self, sigma, t, max_iter):
        return sigma + (t * (1 - sigma) / max_iter)

    def _asymptotic_decay(self, dynamic_parameter, t, max_iter):
        return dynamic_parameter / (1 + t / (max_iter / 2))

    def _neighbourhood(self, name, c, sigma):
        """MiniSom's neighbourhood function ``name`` around the unit ``c`` at every unit,
        ``(x, y)``: som_std::minisom's, on this map's lattice."""
        return _som.minisom_neighbourhood(name, len(self._neigx), len(self._neigy),
                                          self._hex, tuple(c), sigma)

    def _gaussian(self, c, sigma):
        return self._neighbourhood('gaussian', c, sigma)

    def _mexican_hat(self, c, sigma):
        return self._neighbourhood('mexican_hat', c, sigma)

    def _bubble(self, c, sigma):
        return self._neighbourhood('bubble', c, sigma)

    def _triangle(self, c, sigma):
        return self._neighbourhood('triangle', c, sigma)

    def _euclidean_distance(self, x, w):
        return np.linalg.norm(np.subtract(x, w), axis=-1)

    def _cosine_distance(self, x, w):
        num = (w * x).sum(axis=2)
        denum = np.multiply(np.linalg.norm(w, axis=2), np.linalg.norm(x))
        return 1 - num / (denum + 1e-8)

    def _manhattan_distance(self, x, w):
        return np.linalg.norm(np.subtract(x, w), ord=1, axis=-1)

    def _check_iteration_number(self, num_iteration):
        if num_iteration < 1:
            raise ValueError('num_iteration must be > 1')

    def _check_input_len(self, data):
        data_len = len(data[0])
        if self._input_len != data_len:
            msg = 'Received %d features, expected %d.' % (data_len, self._input_len)
            raise ValueError(msg)

    def _shape(self):
        """``(x, y)`` of the current weights, checked against ``input_len``."""
        w = self._weights
        shape = np.shape(w)
        if len(shape) != 3 or shape[2] != self._input_len or 0 in shape:
            raise ValueError(f'_weights of shape {shape}: expected (x, y, '
                             f'{self._input_len})')
        return shape[0], shape[1]

    def _codebook(self):
        """The weights as a float64 C-contiguous ``(x*y, input_len)`` array: a view of
        ``self._weights`` when it is one, else a copy."""
        x, y = self._shape()
        return np.ascontiguousarray(self._weights, dtype=np.float64).reshape(
            x * y, self._input_len)

    def _store(self, codebook):
        """Puts trained weights back, in place when ``self._weights`` is an array."""
        x, y = self._shape()
        trained = codebook.reshape(x, y, self._input_len)
        if isinstance(self._weights, np.ndarray):
            if not np.shares_memory(trained, self._weights):
                self._weights[...] = trained
        else:
            self._weights = trained

    def _schedule(self, function, start, ticks, total):
        """``function(start, t, total)`` for ``t`` in ``0..ticks``, as MiniSom computes it
        step by step (its own decays take the whole range at once, same float64 values)."""
        own = getattr(function, '__self__', None) is self
        if own:
            t = np.arange(ticks, dtype=np.float64)
            return np.ascontiguousarray(
                np.broadcast_to(function(start, t, total), (ticks,)), dtype=np.float64)
        return np.array([function(start, t, total) for t in range(ticks)],
                        dtype=np.float64)

    # -------------------------------------------------------------------- queries

    def winner(self, x):
        """Computes the coordinates of the winning neuron for the sample x."""
        sample = np.ascontiguousarray(x, dtype=np.float32).reshape(1, -1)
        xdim, ydim = self._shape()
        k = int(_som.minisom_winners(self._codebook(), xdim, ydim,
                                      _samples(sample, self._input_len),
                                      self._distance_name, self._hex)[0])
        return np.unravel_index(k, (xdim, ydim))

    def _winners(self, data, activation_distance=None):
        """Winners by the activation distance (MiniSom's ``winner``), or by the one given
        (its ``quantization`` and ``quantization_error`` are Euclidean)."""
        x, y = self._shape()
        return _som.minisom_winners(self._codebook(), x, y,
                                    _samples(data, self._input_len),
                                    activation_distance or self._distance_name, self._hex)

    def quantization(self, data):
        """Assigns a code book (weights vector of the winning neuron) to each sample."""
        self._check_input_len(data)
        x, y = self._shape()
        winners = self._winners(data, 'euclidean')
        return np.asarray(self._weights)[np.unravel_index(winners, (x, y))]

    def quantization_error(self, data):
        """The average distance between each input sample and its best matching unit."""
        self._check_input_len(data)
        return np.linalg.norm(np.asarray(data, dtype=np.float64) - self.quantization(data),
                              axis=1).mean()

    def distortion_measure(self, data):
        """sum_i sum_c neighborhood(c, sigma) * ||d_i - w_c|| (MiniSom's definition)."""
        distortion = 0
        for d in data:
            distortion += np.multiply(self.neighborhood(self.winner(d), self._sigma),
                                      np.linalg.norm(d - self.get_weights(), axis=2)).sum()
        return distortion

    def topographic_error(self, data):
        """Fraction of samples whose best and second-best units are not adjacent
        (diagonal neighbours count as adjacent, as in MiniSom)."""
        self._check_input_len(data)
        total_neurons = np.prod(self._activation_map.shape)
        if total_neurons == 1:
            warn('The topographic error is not defined for a 1-by-1 map.')
            return np.nan
        x, y = self._shape()
        b2 = _som.minisom_winners2(self._codebook(), x, y, _samples(data, self._input_len),
                                   self._hex)
        if self._hex:
            # MiniSom's rule on this lattice: the two units one apart (isclose).
            xx, yy = self._xx.T.reshape(-1), self._yy.T.reshape(-1)
            d = np.hypot(xx[b2[:, 0]] - xx[b2[:, 1]], yy[b2[:, 0]] - yy[b2[:, 1]])
            return 1 - np.mean(np.isclose(1, d))
        bx, by = np.unravel_index(b2, (x, y))
        dxdy = np.hstack([np.diff(bx), np.diff(by)])
        return (np.linalg.norm(dxdy, axis=1) > 1.42).mean()

    def distance_map(self, scaling='sum'):
        """The distance map (U-matrix) of the weights, normalised to a maximum of 1:
        each cell the sum ('sum') or mean ('mean') of the distances to the 8 neighbours."""
        if scaling not in ['sum', 'mean']:
            raise ValueError(f'scaling should be either "sum" or "mean" ('
                             f'"{scaling}" not valid)')
        w = np.asarray(self._weights, dtype=np.float64)
        x, y = w.shape[0], w.shape[1]
        um = np.full((x, y, 8), np.nan)
        if self._hex:
            # MiniSom's six neighbours, by the parity of the column.
            ii = [[1, 1, 1, 0, -1, 0], [0, 1, 0, -1, -1, -1]]
            jj = [[1, 0, -1, -1, 0, 1], [1, 0, -1, -1, 0, 1]]
            for a in range(x):
                for b in range(y):
                    e = b % 2 == 0
                    for k, (i, j) in enumerate(zip(ii[e], jj[e])):
                        if 0 <= a + i < x and 0 <= b + j < y:
                            um[a, b, k] = np.linalg.norm(w[a, b] - w[a + i, b + j])
            um = np.nanmean(um, axis=2) if scaling == 'mean' else np.nansum(um, axis=2)
            return um/um.max()
        for k, (i, j) in enumerate(zip([0, -1, -1, -1, 0, 1, 1, 1],
                                       [-1, -1, 0, 1, 1, 1, 0, -1])):
            xs, ys = slice(max(0, -i), min(x, x - i)), slice(max(0, -j), min(y, y - j))
            xn, yn = slice(xs.start + i, xs.stop + i), slice(ys.start + j, ys.stop + j)
            diff = w[xs, ys] - w[xn, yn]
            um[xs, ys, k] = np.sqrt(np.einsum('ijk,ijk->ij', diff, diff))
        um = np.nanmean(um, axis=2) if scaling == 'mean' else np.nansum(um, axis=2)
        return um/um.max()

    def activation_response(self, data):
        """How many times each neuron wins, ``(x, y)``."""
        self._check_input_len(data)
        x, y = self._shape()
        a = np.zeros((x, y))
        np.add.at(a.reshape(-1), self._winners(data), 1)
        return a

    def win_map(self, data, return_indices=False):
        """``wm[(i, j)]``: the samples (or their indices) that unit (i, j) wins."""
        self._check_input_len(data)
        x, y = self._shape()
        winmap = defaultdict(list)
        for i, (d, k) in enumerate(zip(data, self._winners(data))):
            winmap[np.unravel_index(k, (x, y))].append(i if return_indices else d)
        return winmap

    def labels_map(self, data, labels):
        """``wm[(i, j)]``: a Counter of the labels of the samples unit (i, j) wins."""
        self._check_input_len(data)
        if not len(data) == len(labels):
            raise ValueError('data and labels must have the same length.')
        x, y = self._shape()
        winmap = defaultdict(list)
        for k, label in zip(self._winners(data), labels):
            winmap[np.unravel_index(k, (x, y))].append(label)
        for position in winmap:
            winmap[position] = Counter(winmap[position])
        return winmap

    # ------------------------------------------------------------- initialisation

    def random_weights_init(self, data):
        """Initializes the weights picking random samples from data (MiniSom's draws)."""
        self._check_input_len(data)
        it = np.nditer(self._activation_map, flags=['multi_index'])
        while not it.finished:
            rand_i = self._random_generator.randint(len(data))
            self._weights[it.multi_index] = data[rand_i]
            it.iternext()

    def pca_weights_init(self, data):
        """Initializes the weights to span the first two principal components."""
        if self._input_len == 1:
            raise ValueError('The data needs at least 2 features for pca initialization')
        self._check_input_len(data)
        if len(self._neigx) == 1 or len(self._neigy) == 1:
            warn('PCA initialization inappropriate:' +
                 'One of the dimensions of the map is 1.')
        cov_mat = np.cov(data, rowvar=False)
        eigvals, eigvecs = np.linalg.eigh(cov_mat)
        order = np.argsort(eigvals)[::-1]
        pc1 = eigvecs[:, order[0]]
        pc2 = eigvecs[:, order[1]]
        data_mean = np.mean(data, axis=0)
        for i, c1 in enumerate(np.linspace(-1, 1, len(self._neigx))):
            for j, c2 in enumerate(np.linspace(-1, 1, len(self._neigy))):
                self._weights[i, j] = data_mean + c1 * pc1 + c2 * pc2

    # ------------------------------------------------------------------- training

    def update(self, x, win, t, max_iteration):
        """One online update of every unit towards x around ``win`` (MiniSom's, in numpy)."""
        eta = self._learning_rate_decay_function(self._learning_rate, t, max_iteration)
        sig = self._sigma_decay_function(self._sigma, t, max_iteration)
        g = self.neighborhood(win, sig)*eta
        self._weights += np.einsum('ij, ijk->ijk', g, x-self._weights)

    def _check_fixed_points(self, fixed_points, data):
        for k in fixed_points.keys():
            if not isinstance(k, int):
                raise TypeError('fixed points indexes must be integers.')
            if k >= len(data) or k < 0:
                raise ValueError('an index of a fixed point cannot be grater than '
                                 'len(data) or less than 0.')
            if fixed_points[k][0] >= self._weights.shape[0] or \
               fixed_points[k][1] >= self._weights.shape[1]:
                raise ValueError('coordinates for fixed point are out of boundaries.')
            if fixed_points[k][0] < 0 or fixed_points[k][1] < 0:
                raise ValueError('coordinates cannot be negative.')

    def train(self, data, num_iteration, random_order=False, verbose=False,
              use_epochs=False, fixed_points=None):
        """Online training, as MiniSom's: ``num_iteration`` steps (or epochs with
        ``use_epochs``), samples in order or in MiniSom's random order, learning rate
        and sigma decayed per step (per epoch with ``use_epochs``). ``fixed_points``
        maps sample indices to the unit forced to win them. ``verbose`` prints the final
        quantization error only (no per-step progress bar)."""
        self._check_iteration_number(num_iteration)
        self._check_input_len(data)
        random_generator = self._random_generator if random_order else None
        iterations = _build_iteration_indexes(len(data), num_iteration,
                                              random_generator, use_epochs)
        samples = _samples(data, self._input_len)
        forced = None
        if fixed_points:
            self._check_fixed_points(fixed_points, data)
            y = self._weights.shape[1]
            forced = np.full(len(data), -1, dtype=np.int64)
            for k, (i, j) in fixed_points.items():
                forced[k] = i * y + j
        per = len(data) if use_epochs else 1
        eta = self._schedule(self._learning_rate_decay_function, self._learning_rate,
                             num_iteration, num_iteration)
        sigma = self._schedule(self._sigma_decay_function, self._sigma,
                               num_iteration, num_iteration)
        x, y = self._shape()
        codebook = self._codebook()
        _som.minisom_train(codebook, x, y, samples,
                           np.ascontiguousarray(iterations, dtype=np.int64), per, eta,
                           sigma, self._neighborhood_name, forced, self._distance_name,
                           self._hex)
        self._store(codebook)
        if verbose:
            print('\n quantization error:', self.quantization_error(data))

    def train_random(self, data, num_iteration, verbose=False):
        """Trains the SOM picking samples at random from data."""
        self.train(data, num_iteration, random_order=True, verbose=verbose)

    def train_batch(self, data, num_iteration, verbose=False):
        """Trains the SOM using all the vectors in data sequentially (online, as MiniSom's
        ``train_batch`` does)."""
        self.train(data, num_iteration, random_order=False, verbose=verbose)

    def train_batch_offline(self, data, num_iteration, verbose=False):
        """MiniSom's batch training (Kohonen 2013): per iteration, every unit with
        contributions moves to ``(1 - lr) w + lr * mean``, the neighbourhood-weighted mean
        of the samples around it, with the winners of the previous weights. On a hexagonal
        map the Gaussian and the Mexican hat are evaluated on MiniSom's hexagonal
        coordinates, the bubble and the triangle on the grid indices, as MiniSom does."""
        self._check_iteration_number(num_iteration)
        self._check_input_len(data)
        eta = self._schedule(self._learning_rate_decay_function, self._learning_rate,
                             num_iteration, num_iteration)
        sigma = self._schedule(self._sigma_decay_function, self._sigma,
                               num_iteration, num_iteration)
        x, y = self._shape()
        codebook = self._codebook()
        _som.minisom_train_batch(codebook, x, y, _samples(data, self._input_len), eta,
                                 sigma, self._neighborhood_name, self._distance_name,
                                 self._hex)
        self._store(codebook)
        if verbose:
            print(f'Quantization Error: {self.quantization_error(data):.4f}')

    # --------------------------------------------------------------- beyond MiniSom

    def to_som(self):
        """The map as a ``som.Som`` (float32 codebook, Gaussian neighbourhood, the same
        activation distance; units in MiniSom's order on a rectangular grid): for pictures,
        saved-map and SOM_PAK files."""
        x, y = self._shape()
        return _som.Som(x, y, self._input_len, init=self._codebook(),
                        sigma=float(self._sigma), alpha=float(self._learning_rate),
                        alpha_decay='asymptotic', sigma_decay='asymptotic',
                        distance=self._distance_name)

    def __getstate__(self):
        """Pickling: a version-tagged state holding the saved-map file of the map (what
        ``som.Som`` reads), the exact float64 weights and MiniSom's other attributes
        (the random generator's state among them)."""
        attributes = self.__dict__.copy()
        weights = np.array(attributes.pop('_weights'), dtype=np.float64)
        return {'format': _FORMAT, 'version': _VERSION,
                'saved_map': self.to_som().__getstate__(),
                'weights': weights, 'attributes': attributes}

    def __setstate__(self, state):
        if not isinstance(state, dict) or state.get('format') != _FORMAT:
            raise pickle.UnpicklingError(
                f'not a pickled {_FORMAT} (format {state.get("format") if isinstance(state, dict) else type(state).__name__!r})')
        if state.get('version') != _VERSION:
            raise pickle.UnpicklingError(
                f'a pickled {_FORMAT} of version {state.get("version")!r}: this som reads '
                f'version {_VERSION}')
        self.__dict__.update(state['attributes'])
        self._weights = np.array(state['weights'], dtype=np.float64)
        x, y = self._shape()
        saved = _som.Som(1, 1, 1)
        saved.__setstate__(state['saved_map'])
        if (saved.rows, saved.cols, saved.dim) != (x, y, self._input_len):
            raise pickle.UnpicklingError(
                f'the saved map is {saved.rows} x {saved.cols} x {saved.dim}, the weights '
                f'{x} x {y} x {self._input_len}')
