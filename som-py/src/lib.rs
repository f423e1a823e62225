//! Python bindings of `som`: the native map [`Som`] and the functions behind `som.MiniSom`
//! ([`som_std::minisom`]).
//!
//! As polars and tokenizers do, the Rust library knows nothing of Python: this crate converts
//! at the edge (numpy arrays borrowed when they are C-contiguous `float32`), releases the GIL
//! while it computes, and turns the library's errors into Python exceptions. What MiniSom draws
//! at random (initial weights, sample order) is drawn in Python, by `numpy.random.RandomState`,
//! exactly as MiniSom draws it; the loops here only consume it.
#![forbid(unsafe_code)]

mod minisom;
mod native;

use numpy::{PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyNotImplementedError, PyOSError, PyValueError};
use pyo3::prelude::*;
use som_std::Flat;

/// A Python exception for an error of the library: files give `OSError`, what the library
/// does not support `NotImplementedError`, everything else (shapes, NaN, parameters)
/// `ValueError`.
pub(crate) fn py_err(e: som_std::Error) -> PyErr {
    match &e {
        som_std::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        som_std::Error::Kernel(som_std::kernel::Error::Unsupported { .. })
        | som_std::Error::Unsupported(_) => PyNotImplementedError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// Samples `(n, d)` as the library reads them: a flat slice of `d` values each, borrowed.
pub(crate) fn as_flat<'a>(data: &'a PyReadonlyArray2<'_, f32>) -> PyResult<Flat<'a>> {
    Flat::new(data.as_slice()?, data.shape()[1]).map_err(py_err)
}

/// The extension module `som._som`.
#[pymodule]
fn _som(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<native::Som>()?;
    m.add_function(wrap_pyfunction!(minisom::minisom_train, m)?)?;
    m.add_function(wrap_pyfunction!(minisom::minisom_train_batch, m)?)?;
    m.add_function(wrap_pyfunction!(minisom::minisom_winners, m)?)?;
    m.add_function(wrap_pyfunction!(minisom::minisom_winners2, m)?)?;
    m.add_function(wrap_pyfunction!(minisom::minisom_neighbourhood, m)?)?;
    m.add_function(wrap_pyfunction!(minisom::minisom_coordinates, m)?)?;
    m.add(
        "MINISOM_Y_HEX_CONV_FACTOR",
        som_std::minisom::hex_y_factor(),
    )?;
    m.add(
        "SIMD_LEVEL",
        format!("{:?}", som_std::simd::level().map_err(py_err)?),
    )?;
    Ok(())
}
