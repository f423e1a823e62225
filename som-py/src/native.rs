//! `som.Som`: the library's own map, with what MiniSom lacks (batch training on all cores,
//! toroidal maps, cut-off, saved maps and SOM_PAK files, pictures, streaming).

use crate::{as_flat, py_err};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use som_std::io::SavedMap;
use som_std::kernel::Shape;
use som_std::picture::{self, Palette, Style};
use som_std::{Boundary, Clock, Distance, Flat, Init, Missing, Named, Order, Schedule, Topology};

/// Samples as a borrowed C-contiguous `float32` array: the caller's own array when it already
/// is one (no copy), else numpy's conversion of it.
fn samples<'py>(obj: &Bound<'py, PyAny>, dim: usize) -> PyResult<PyReadonlyArray2<'py, f32>> {
    let py = obj.py();
    let arr = match obj.cast::<PyArray2<f32>>() {
        Ok(a) if a.is_c_contiguous() => a.clone(),
        _ => {
            let np = py.import("numpy")?;
            let a = np.call_method1("ascontiguousarray", (obj, "float32"))?;
            let ndim: usize = a.getattr("ndim")?.extract()?;
            if ndim != 2 {
                return Err(PyValueError::new_err(format!(
                    "data: expected a 2-D array (samples x {dim}), got {ndim} dimension(s) of shape {}",
                    a.getattr("shape")?
                )));
            }
            a.cast_into::<PyArray2<f32>>()?
        }
    };
    if arr.shape()[1] != dim {
        return Err(PyValueError::new_err(format!(
            "data: samples of {} values, expected {dim} (the map's dim)",
            arr.shape()[1]
        )));
    }
    Ok(arr.readonly())
}

/// One sample as a `float32` vector of `dim` values.
fn sample(obj: &Bound<'_, PyAny>, dim: usize) -> PyResult<Vec<f32>> {
    let x: Vec<f32> = obj
        .py()
        .import("numpy")?
        .call_method1("ravel", (obj,))?
        .call_method1("astype", ("float32",))?
        .call_method0("tolist")?
        .extract()?;
    if x.len() != dim {
        return Err(PyValueError::new_err(format!(
            "a sample of {} values, expected {dim} (the map's dim)",
            x.len()
        )));
    }
    Ok(x)
}

/// A schedule from its name, start and (for those that have one) end.
fn schedule(what: &str, decay: &str, start: f32, end: Option<f32>) -> PyResult<Schedule> {
    let need = |e: Option<f32>| {
        e.ok_or_else(|| {
            PyValueError::new_err(format!("{what}: a {decay} decay needs a final value"))
        })
    };
    Ok(match decay {
        "constant" => Schedule::Constant(start),
        "linear" => Schedule::Linear {
            start,
            end: end.unwrap_or(0.0),
        },
        "asymptotic" => Schedule::Asymptotic { start },
        "inverse" => Schedule::Inverse {
            start,
            end: need(end)?,
        },
        "exponential" => Schedule::Exponential {
            start,
            end: need(end)?,
        },
        _ => {
            return Err(PyValueError::new_err(format!(
                "{what} decay {decay:?}: expected one of constant, linear, asymptotic, inverse, exponential"
            )));
        }
    })
}

/// A setting from the name a Python caller gave: the library's names and other spellings
/// (`rectangular`, `hex`), with `_` read as `-` (`mexican_hat`), so that Python, the command
/// line and saved maps cannot spell a setting differently.
fn setting<T: Named>(name: &str) -> PyResult<T> {
    name.replace('_', "-")
        .parse::<T>()
        .map_err(|e| PyValueError::new_err(format!("{name:?}: {e}")))
}

/// A unit index for Python: `-1` for a sample without a unit (every component missing).
fn unit_or_minus_one(b: &som_std::kernel::Bmu) -> i64 {
    b.found().map_or(-1, |u| u as i64)
}

/// `work` of the map and the samples `data` (of its dim), with the GIL released: what every
/// method that reads samples does.
fn on_samples<M, T>(
    py: Python<'_>,
    map: M,
    data: &Bound<'_, PyAny>,
    work: impl FnOnce(M, &Flat<'_>) -> som_std::Result<T> + Send,
) -> PyResult<T>
where
    M: std::ops::Deref<Target = som_std::Som> + Send,
    T: Send,
{
    let arr = samples(data, map.dim())?;
    let flat = as_flat(&arr)?;
    py.detach(|| work(map, &flat)).map_err(py_err)
}

/// A Self-Organizing Map trained by the `som` library (see the stub `_som.pyi` for the
/// documentation of every method).
#[pyclass(module = "som._som", name = "Som")]
#[derive(Debug)]
pub struct Som {
    inner: som_std::Som,
}

#[pymethods]
impl Som {
    #[new]
    #[pyo3(signature = (rows, cols, dim, *, topology="rectangular", boundary="planar",
        neighbourhood="gaussian", alpha=0.5, alpha_end=None, alpha_decay="linear", sigma=None,
        sigma_end=None, sigma_decay="linear", cutoff=0.0, clock="sample", init=None, seed=0,
        epochs=100, threads=0, stream_steps=10_000, distance="euclidean", missing="error"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        rows: usize,
        cols: usize,
        dim: usize,
        topology: &str,
        boundary: &str,
        neighbourhood: &str,
        alpha: f32,
        alpha_end: Option<f32>,
        alpha_decay: &str,
        sigma: Option<f32>,
        sigma_end: Option<f32>,
        sigma_decay: &str,
        cutoff: f32,
        clock: &str,
        init: Option<&Bound<'_, PyAny>>,
        seed: u64,
        epochs: u64,
        threads: usize,
        stream_steps: u64,
        distance: &str,
        missing: &str,
    ) -> PyResult<Self> {
        let topology: Topology = setting(topology)?;
        let boundary: Boundary = setting(boundary)?;
        let shape: Shape = setting(neighbourhood)?;
        let clock: Clock = setting(clock)?;
        let (distance, missing): (Distance, Missing) = (setting(distance)?, setting(missing)?);
        let init = match init {
            None => Init::Uniform {
                low: 0.0,
                high: 1.0,
            },
            Some(obj) => match obj.extract::<String>() {
                Ok(name) => match name.as_str() {
                    "uniform" => Init::Uniform {
                        low: 0.0,
                        high: 1.0,
                    },
                    "normal" => Init::Normal,
                    "unit_vectors" => Init::UnitVectors,
                    "data_range" => Init::DataRange,
                    "samples" => Init::Samples,
                    "linear" | "pca" => Init::Linear,
                    _ => {
                        return Err(PyValueError::new_err(format!(
                            "init {name:?}: expected uniform, normal, unit_vectors, data_range, \
                             samples, linear, or a codebook array"
                        )));
                    }
                },
                Err(_) => {
                    let cb = samples(
                        &obj.py()
                            .import("numpy")?
                            .call_method1("reshape", (obj, (-1isize, dim as isize)))?,
                        dim,
                    )?;
                    Init::Codebook(cb.as_slice()?.to_vec())
                }
            },
        };
        let sigma0 = sigma.unwrap_or((rows.max(cols) as f32 / 2.0).max(1.0));
        let sigma_end = match (sigma_decay, sigma_end) {
            ("linear", None) => Some(0.5),
            (_, e) => e,
        };
        let inner = som_std::Som::builder(rows, cols, dim)
            .topology(topology)
            .boundary(boundary)
            .neighbourhood(shape)
            .alpha(schedule("alpha", alpha_decay, alpha, alpha_end)?)
            .sigma(schedule("sigma", sigma_decay, sigma0, sigma_end)?)
            .cutoff(cutoff)
            .clock(clock)
            .init(init)
            .seed(seed)
            .epochs(epochs)
            .threads(threads)
            .stream_steps(stream_steps)
            .distance(distance)
            .missing(missing)
            .build()
            .map_err(py_err)?;
        Ok(Self { inner })
    }

    #[getter]
    fn rows(&self) -> usize {
        self.inner.grid().rows()
    }
    #[getter]
    fn cols(&self) -> usize {
        self.inner.grid().cols()
    }
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    #[getter]
    fn topology(&self) -> &'static str {
        self.inner.grid().topology().full_name()
    }
    #[getter]
    fn boundary(&self) -> &'static str {
        self.inner.grid().boundary().name()
    }

    /// The distance that ranks units: 'euclidean', 'cosine', 'manhattan' or 'chebyshev'.
    #[getter]
    fn distance(&self) -> &'static str {
        self.inner.distance().name()
    }

    /// What NaN in data means: 'error' or 'mask'.
    #[getter]
    fn missing(&self) -> &'static str {
        self.inner.missing().name()
    }

    #[setter]
    fn set_missing(&mut self, value: &str) -> PyResult<()> {
        self.inner.set_missing(setting(value)?).map_err(py_err)
    }

    /// The codebook, `rows x cols x dim`, float32 (a copy).
    #[getter]
    fn codebook<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<f32>>> {
        let g = self.inner.grid();
        self.inner
            .codebook()
            .into_pyarray(py)
            .reshape([g.rows(), g.cols(), self.inner.dim()])
    }

    #[setter]
    fn set_codebook(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let np = value.py().import("numpy")?;
        let arr = np.call_method1("ascontiguousarray", (value, "float32"))?;
        let shape: Vec<usize> = arr.getattr("shape")?.extract()?;
        let g = self.inner.grid();
        let want = [g.rows(), g.cols(), self.inner.dim()];
        if shape != want && shape != [g.units(), self.inner.dim()] {
            return Err(PyValueError::new_err(format!(
                "codebook of shape {shape:?}, expected {want:?} (rows, cols, dim) or ({}, {})",
                g.units(),
                self.inner.dim()
            )));
        }
        let cb = samples(
            &np.call_method1("reshape", (arr, (g.units(), self.inner.dim())))?,
            self.inner.dim(),
        )?;
        let cb = cb.as_slice()?;
        if let Some(i) = cb.iter().position(|v| !v.is_finite()) {
            return Err(PyValueError::new_err(format!(
                "codebook value {i} is {}: expected finite numbers",
                cb[i]
            )));
        }
        self.inner.set_codebook(cb).map_err(py_err)
    }

    /// Online training for `epochs` passes (default: the constructor's `epochs`) or `steps`
    /// single-sample updates, samples 'sequential' or 'shuffled'; the GIL is released meanwhile.
    #[pyo3(signature = (data, epochs=None, *, steps=None, order="sequential"))]
    fn train(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        epochs: Option<u64>,
        steps: Option<u64>,
        order: &str,
    ) -> PyResult<()> {
        let order: Order = setting(order)?;
        let arr = samples(data, self.inner.dim())?;
        let flat = as_flat(&arr)?;
        let n = arr.shape()[0] as u64;
        let inner = &mut self.inner;
        let steps = match (epochs, steps) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "give epochs or steps, not both".to_string(),
                ));
            }
            (_, Some(s)) => s,
            (e, None) => e.unwrap_or(inner.to_saved().epochs).saturating_mul(n),
        };
        py.detach(|| inner.train_online(&flat, steps, order))
            .map_err(py_err)
    }

    /// Batch training for `epochs` epochs on the map's threads: per epoch every winner, then
    /// every unit to the neighbourhood-weighted mean. The same result for any thread count.
    fn train_batch(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        epochs: u64,
    ) -> PyResult<()> {
        on_samples(py, &mut self.inner, data, |som, flat| {
            som.train_batch(flat, epochs)
        })
    }

    /// One online step on one sample (schedules continue over `stream_steps`); returns the
    /// sample's winner before the update (`None` for a sample without one: every component
    /// missing, with masking).
    fn partial_fit(&mut self, x: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
        let x = sample(x, self.inner.dim())?;
        self.inner.partial_fit(&x).map_err(py_err)
    }

    /// Each sample's best-matching unit, as `row * cols + col`.
    fn winners<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let b = on_samples(py, &self.inner, data, |som, flat| som.bmus(flat))?;
        Ok(b.iter()
            .map(unit_or_minus_one)
            .collect::<Vec<_>>()
            .into_pyarray(py))
    }

    /// `(row, col)` of one sample's best-matching unit (`None` for a sample without one:
    /// every component missing, with masking).
    fn winner(&self, x: &Bound<'_, PyAny>) -> PyResult<Option<(usize, usize)>> {
        let x = sample(x, self.inner.dim())?;
        let masked = self.inner.missing() == Missing::Mask;
        if let Some(i) = x
            .iter()
            .position(|v| v.is_infinite() || (v.is_nan() && !masked))
        {
            return Err(PyValueError::new_err(format!(
                "value {i} of the sample is {}: expected finite numbers{}",
                x[i],
                if masked {
                    ""
                } else {
                    " (or missing='mask' to read NaN as a missing value)"
                }
            )));
        }
        let b = self.inner.bmu(&x).map_err(py_err)?;
        Ok(b.found().map(|k| self.inner.grid().row_col(k)))
    }

    /// The samples with each missing value (NaN) replaced by that component of the sample's
    /// best-matching unit, found over the components present (whatever `missing` says);
    /// `(n, dim)` float32.
    fn impute<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let dim = self.inner.dim();
        let out = on_samples(py, &self.inner, data, |som, flat| som.impute(flat))?;
        let n = out.len() / dim;
        out.into_pyarray(py).reshape([n, dim])
    }

    /// Each sample's distance to its best-matching unit (anomaly scores).
    fn quantization_errors<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let q = on_samples(py, &self.inner, data, |som, flat| {
            som.quantization_errors(flat)
        })?;
        Ok(q.into_pyarray(py))
    }

    /// Mean distance from each sample to its best-matching unit.
    fn quantization_error(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<f32> {
        on_samples(py, &self.inner, data, |som, flat| {
            som.quantization_error(flat)
        })
    }

    /// Fraction of samples whose best and second-best units are not lattice neighbours.
    fn topographic_error(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<f32> {
        on_samples(py, &self.inner, data, |som, flat| {
            som.topographic_error(flat)
        })
    }

    /// Each unit's mean distance to its lattice neighbours, `(rows, cols)`.
    fn umatrix<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let g = self.inner.grid();
        self.inner
            .umatrix()
            .into_pyarray(py)
            .reshape([g.rows(), g.cols()])
    }

    /// How many samples each unit wins, `(rows, cols)`.
    fn hits<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<u64>>> {
        let g = *self.inner.grid();
        let h = on_samples(py, &self.inner, data, |som, flat| som.hits(flat))?;
        h.into_pyarray(py).reshape([g.rows(), g.cols()])
    }

    /// Writes the map as a saved-map file (version-tagged JSON), atomically.
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        self.inner.save(path).map_err(py_err)
    }

    /// A map saved by `save`.
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(Self {
            inner: som_std::Som::load(path).map_err(py_err)?,
        })
    }

    /// Writes the codebook by extension: .json (saved map), .cod (SOM_PAK), .csv or .f32.
    fn write_codebook(&self, path: std::path::PathBuf) -> PyResult<()> {
        self.inner.write_codebook_file(path).map_err(py_err)
    }

    /// A map from a .json, .cod, .csv or .f32 codebook file (tables need `shape`, .f32 `dim`).
    #[staticmethod]
    #[pyo3(signature = (path, shape=None, dim=None))]
    fn read_codebook(
        path: std::path::PathBuf,
        shape: Option<(usize, usize)>,
        dim: Option<usize>,
    ) -> PyResult<Self> {
        Ok(Self {
            inner: som_std::Som::from_codebook_file(path, shape, dim).map_err(py_err)?,
        })
    }

    #[pyo3(signature = (kind="umatrix", *, data=None, component=0, palette="viridis", cell=28,
        title=None, as_array=false))]
    /// A picture of the map ('umatrix', 'component', 'rgb' or 'hits' with `data`): PNG bytes,
    /// or an `(height, width, 3)` uint8 array with `as_array=True`.
    #[allow(clippy::too_many_arguments)]
    fn picture<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        data: Option<&Bound<'py, PyAny>>,
        component: usize,
        palette: &str,
        cell: u32,
        title: Option<String>,
        as_array: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let palette = match palette {
            "viridis" => Palette::Viridis,
            "magma" => Palette::Magma,
            "cividis" => Palette::Cividis,
            "greys" => Palette::Greys,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "palette {palette:?}: expected viridis, magma, cividis or greys"
                )));
            }
        };
        let style = Style {
            cell,
            palette,
            title,
            ..Style::default()
        };
        let g = *self.inner.grid();
        let dim = self.inner.dim();
        let pic = match kind {
            "umatrix" => picture::umatrix(&g, &self.inner.umatrix(), &style),
            "component" => {
                picture::component_plane(&g, &self.inner.codebook(), dim, component, &style)
            }
            "rgb" => picture::rgb(&g, &self.inner.codebook(), &style),
            "hits" => {
                let data = data.ok_or_else(|| {
                    PyValueError::new_err("a hit map needs data: picture('hits', data=...)")
                })?;
                let arr = samples(data, dim)?;
                let flat = as_flat(&arr)?;
                let hits = self.inner.hits(&flat).map_err(py_err)?;
                picture::hit_map(&g, &hits, &style)
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "picture kind {kind:?}: expected umatrix, component, rgb or hits"
                )));
            }
        }
        .map_err(py_err)?;
        if as_array {
            let (w, h) = (pic.width() as usize, pic.height() as usize);
            Ok(pic
                .pixels()
                .to_vec()
                .into_pyarray(py)
                .reshape([h, w, 3])?
                .into_any())
        } else {
            let mut png = Vec::new();
            pic.write_png(&mut png, "picture").map_err(py_err)?;
            Ok(PyBytes::new(py, &png).into_any())
        }
    }

    fn __repr__(&self) -> String {
        let g = self.inner.grid();
        format!(
            "Som({}, {}, {}, topology={:?}, boundary={:?}, distance={:?}, missing={:?})",
            g.rows(),
            g.cols(),
            self.inner.dim(),
            g.topology().full_name(),
            self.boundary(),
            self.distance(),
            self.missing()
        )
    }

    /// Pickling: the constructor's arguments, then the whole map as a saved-map file.
    fn __getnewargs__(&self) -> (usize, usize, usize) {
        (self.rows(), self.cols(), self.dim())
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut bytes = Vec::new();
        self.inner
            .to_saved()
            .write(&mut bytes, "pickled map")
            .map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn __setstate__(&mut self, state: &[u8]) -> PyResult<()> {
        let saved = SavedMap::read(state, "pickled map").map_err(py_err)?;
        self.inner = som_std::Som::from_saved(&saved).map_err(py_err)?;
        Ok(())
    }
}
