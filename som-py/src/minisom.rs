//! The functions behind `som.MiniSom`: numpy arrays and names in, [`som_std::minisom`] out,
//! errors as Python exceptions. MiniSom's semantics (lattice, neighbourhood functions,
//! training loops) are all there; here are only conversions.
//!
//! MiniSom's weights stay a `float64` array of shape `(x, y, input_len)` owned by Python (users
//! edit it in place); each call takes it as `(x * y, input_len)`, row-major, and trains it in
//! place, without the GIL.

use crate::{as_flat, py_err};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyReadwriteArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use som_std::minisom::{MiniSom, MiniSomLattice, NeighbourhoodFunction, OnlineRun};
use som_std::{Distance, Flat, Topology};

/// The lattice of `topology='hexagonal'` or not.
fn lattice(x: usize, y: usize, hexagonal: bool) -> MiniSomLattice {
    let topology = if hexagonal {
        Topology::Hexagonal
    } else {
        Topology::Rectangular
    };
    MiniSomLattice::new(x, y, topology)
}

/// The map of these arguments, Gaussian; the weights' shape `(x * y, input_len)` gives
/// `input_len`.
fn minisom(
    x: usize,
    y: usize,
    hexagonal: bool,
    weights: &[usize],
    activation_distance: &str,
) -> PyResult<MiniSom> {
    let distance = Distance::from_name(activation_distance).ok_or_else(|| {
        PyValueError::new_err(format!(
            "activation_distance {activation_distance:?}: expected euclidean, cosine, manhattan \
             or chebyshev"
        ))
    })?;
    Ok(MiniSom::new(lattice(x, y, hexagonal), weights[1])
        .map_err(py_err)?
        .with_distance(distance))
}

/// MiniSom's `neighborhood_function` of this name.
fn function(name: &str) -> PyResult<NeighbourhoodFunction> {
    name.parse().map_err(py_err)
}

/// The map both training calls train: [`minisom`]'s, with the neighbourhood function
/// `neighborhood`.
fn trainer(
    x: usize,
    y: usize,
    hexagonal: bool,
    weights: &PyReadwriteArray2<'_, f64>,
    activation_distance: &str,
    neighborhood: &str,
) -> PyResult<MiniSom> {
    Ok(
        minisom(x, y, hexagonal, weights.shape(), activation_distance)?
            .with_function(function(neighborhood)?),
    )
}

/// Trains `weights` in place on `data` by `train`, without the GIL.
fn in_place<'d>(
    py: Python<'_>,
    weights: &mut PyReadwriteArray2<'_, f64>,
    data: &'d PyReadonlyArray2<'_, f32>,
    train: impl FnOnce(&mut [f64], Flat<'d>) -> som_std::Result<()> + Send,
) -> PyResult<()> {
    let data = as_flat(data)?;
    let w = weights.as_slice_mut()?;
    py.detach(|| train(w, data)).map_err(py_err)
}

/// Online training as MiniSom's `train` ([`MiniSom::train`]): step `t` presents sample
/// `indices[t]`, with learning rate `eta[t / per]` and width `sigma[t / per]`; `forced[k] >=
/// 0` makes that unit (`i * y + j`) the winner of sample `k`. Updates `weights` in place.
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, indices, per, eta, sigma, neighborhood, forced=None, activation_distance="euclidean", hexagonal=false))]
#[allow(clippy::too_many_arguments)]
pub fn minisom_train(
    py: Python<'_>,
    mut weights: PyReadwriteArray2<'_, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'_, f32>,
    indices: PyReadonlyArray1<'_, i64>,
    per: usize,
    eta: PyReadonlyArray1<'_, f64>,
    sigma: PyReadonlyArray1<'_, f64>,
    neighborhood: &str,
    forced: Option<PyReadonlyArray1<'_, i64>>,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<()> {
    let som = trainer(x, y, hexagonal, &weights, activation_distance, neighborhood)?;
    let n = data.shape()[0];
    let indices = indices
        .as_slice()?
        .iter()
        .map(|&i| {
            usize::try_from(i).map_err(|_| {
                PyValueError::new_err(format!(
                    "sample index {i}: expected 0 <= index < {n} (the number of samples)"
                ))
            })
        })
        .collect::<PyResult<Vec<usize>>>()?;
    // -1 (any negative unit): not forced.
    let forced: Option<Vec<Option<usize>>> = forced
        .as_ref()
        .map(|f| {
            Ok::<_, PyErr>(
                f.as_slice()?
                    .iter()
                    .map(|&u| usize::try_from(u).ok())
                    .collect(),
            )
        })
        .transpose()?;
    let run = OnlineRun {
        indices: &indices,
        per,
        eta: eta.as_slice()?,
        sigma: sigma.as_slice()?,
        fixed: forced.as_deref(),
    };
    in_place(py, &mut weights, &data, |w, data| som.train(w, data, &run))
}

/// MiniSom's `train_batch_offline` ([`MiniSom::train_batch_offline`]): one iteration per
/// learning rate `eta[it]` and width `sigma[it]`. Updates `weights` in place.
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, eta, sigma, neighborhood, activation_distance="euclidean", hexagonal=false))]
#[allow(clippy::too_many_arguments)]
pub fn minisom_train_batch(
    py: Python<'_>,
    mut weights: PyReadwriteArray2<'_, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'_, f32>,
    eta: PyReadonlyArray1<'_, f64>,
    sigma: PyReadonlyArray1<'_, f64>,
    neighborhood: &str,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<()> {
    let som = trainer(x, y, hexagonal, &weights, activation_distance, neighborhood)?;
    let (eta, sigma) = (eta.as_slice()?, sigma.as_slice()?);
    in_place(py, &mut weights, &data, |w, data| {
        som.train_batch_offline(w, data, eta, sigma)
    })
}

/// The winner (unit index `i * y + j`) of every sample by `activation_distance`, as MiniSom's
/// `winner` ([`MiniSom::winners`]).
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, activation_distance="euclidean", hexagonal=false))]
pub fn minisom_winners<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'py, f32>,
    activation_distance: &str,
    hexagonal: bool,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let som = minisom(x, y, hexagonal, weights.shape(), activation_distance)?;
    let (w, data) = (weights.as_slice()?, as_flat(&data)?);
    let winners = py.detach(|| som.winners(w, data)).map_err(py_err)?;
    let winners: Vec<i64> = winners.into_iter().map(|u| u as i64).collect();
    Ok(winners.into_pyarray(py))
}

/// The best and second-best units (Euclidean) of every sample, `n x 2`
/// ([`MiniSom::winners2`], for the topographic error).
#[pyfunction]
#[pyo3(signature = (weights, x, y, data, hexagonal=false))]
pub fn minisom_winners2<'py>(
    py: Python<'py>,
    weights: PyReadonlyArray2<'py, f64>,
    x: usize,
    y: usize,
    data: PyReadonlyArray2<'py, f32>,
    hexagonal: bool,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let som = minisom(x, y, hexagonal, weights.shape(), "euclidean")?;
    let (w, data) = (weights.as_slice()?, as_flat(&data)?);
    let pairs = py.detach(|| som.winners2(w, data)).map_err(py_err)?;
    let n = pairs.len();
    let flat: Vec<i64> = pairs.into_iter().flatten().map(|u| u as i64).collect();
    flat.into_pyarray(py).reshape([n, 2])
}

/// MiniSom's `neighborhood(c, sigma)` of the function `name` on the `x` by `y` lattice
/// ([`MiniSomLattice::neighbourhood`]), shape `(x, y)`.
#[pyfunction]
pub fn minisom_neighbourhood<'py>(
    py: Python<'py>,
    name: &str,
    x: usize,
    y: usize,
    hexagonal: bool,
    c: (usize, usize),
    sigma: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let h = lattice(x, y, hexagonal)
        .neighbourhood(function(name)?, c, sigma)
        .map_err(py_err)?;
    h.into_pyarray(py).reshape([x, y])
}

/// Two `float64` arrays of shape `(x, y)`: first and second coordinates.
type Coordinates<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

/// MiniSom's coordinates of its units ([`MiniSomLattice::coordinates`]), two `(x, y)`
/// arrays: what `get_euclidean_coordinates` returns (`_xx` and `_yy` are their transposes).
#[pyfunction]
pub fn minisom_coordinates<'py>(
    py: Python<'py>,
    x: usize,
    y: usize,
    hexagonal: bool,
) -> PyResult<Coordinates<'py>> {
    let (xx, yy) = lattice(x, y, hexagonal).coordinates();
    Ok((
        xx.into_pyarray(py).reshape([x, y])?,
        yy.into_pyarray(py).reshape([x, y])?,
    ))
}
