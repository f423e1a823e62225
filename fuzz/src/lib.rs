//! What the fuzz targets share: turning fuzzer bytes into maps, samples and neighbourhoods,
//! and the comparisons against `som_kernel::reference`.
//!
//! The comparisons mirror `som-kernel/tests/simd_vs_reference.rs`: exact on exactly
//! representable data (small integers times 1/4, plus NaN and infinities), within a tolerance on
//! other finite data of sane size, and only "no panic, and the invariants" where values are so
//! large that `x - w` or its square overflows, so that the two results need not agree.

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use som_kernel::neighbourhood::NEGLIGIBLE;
use som_kernel::{Boundary, Error, Grid, Neighbourhood, Shape, Topology, blocked_len, layout};

/// Relative slack for squared distances summed in another order or with FMA.
pub const BMU_TOL: f32 = 1e-5;
/// Absolute slack for results in (or next to) the subnormal range.
pub const TINY: f32 = 1e-37;
/// Above this magnitude a squared distance may overflow (`dim <= 24`): compare nothing there.
pub const SANE: f32 = 1e15;

/// How the values of one case are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    /// Small integers times 1/4, and now and then NaN or an infinity: every squared distance
    /// is exact in `f32`, with or without FMA, so SIMD and reference must agree bit for bit.
    Exact,
    /// Finite values of moderate size: agreement within a tolerance.
    Moderate,
    /// Anything: NaN with payloads, infinities, values near `f32::MAX`, subnormals, zeros of
    /// both signs, raw bit patterns.
    Wild,
}

fn exact(u: &mut Unstructured<'_>) -> Result<f32> {
    Ok(f32::from(u.int_in_range(-8i8..=8)?) * 0.25)
}

fn special(u: &mut Unstructured<'_>) -> Result<f32> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => f32::NAN,
        1 => f32::INFINITY,
        _ => f32::NEG_INFINITY,
    })
}

fn moderate(u: &mut Unstructured<'_>) -> Result<f32> {
    let m = f32::from(u.int_in_range(-30000i16..=30000)?);
    let scale = [1.0 / 1024.0, 1.0 / 16.0, 1.0, 37.0][usize::from(u.int_in_range(0u8..=3)?)];
    Ok(m * scale)
}

fn wild(u: &mut Unstructured<'_>) -> Result<f32> {
    let bits: u32 = u.arbitrary()?;
    let sign = bits & 0x8000_0000;
    Ok(match u.int_in_range(0u8..=8)? {
        0 => exact(u)?,
        1 => special(u)?,
        // NaN with an arbitrary payload and sign.
        2 => f32::from_bits(sign | 0x7fc0_0000 | (bits & 0x003f_ffff)),
        // Huge: exponents from 2^65 to the largest finite.
        3 => {
            let e = u32::from(u.int_in_range(0xc0u8..=0xfe)?);
            f32::from_bits(sign | (e << 23) | (bits & 0x007f_ffff))
        }
        // Subnormal.
        4 => f32::from_bits(sign | (bits & 0x007f_ffff)),
        // Tiny normal.
        5 => {
            let e = u32::from(u.int_in_range(1u8..=0x20)?);
            f32::from_bits(sign | (e << 23) | (bits & 0x007f_ffff))
        }
        6 => f32::from_bits(sign),
        7 => moderate(u)?,
        _ => f32::from_bits(bits),
    })
}

/// One value of the palette.
pub fn value(u: &mut Unstructured<'_>, palette: Palette) -> Result<f32> {
    match palette {
        Palette::Exact => {
            if u.ratio(1u8, 12)? {
                special(u)
            } else {
                exact(u)
            }
        }
        Palette::Moderate => moderate(u),
        Palette::Wild => wild(u),
    }
}

/// `n` values of the palette.
pub fn values(u: &mut Unstructured<'_>, palette: Palette, n: usize) -> Result<Vec<f32>> {
    (0..n).map(|_| value(u, palette)).collect()
}

/// A map and samples.
#[derive(Debug, Clone)]
pub struct Case {
    /// The lattice.
    pub grid: Grid,
    /// Values per unit and per sample.
    pub dim: usize,
    /// How the values were drawn.
    pub palette: Palette,
    /// Row-major codebook, `units * dim`.
    pub codebook: Vec<f32>,
    /// The same codebook in the blocked layout (padding zero).
    pub blocked: Vec<f32>,
    /// Samples, `n * dim`.
    pub data: Vec<f32>,
}

impl Case {
    /// Draws a case with up to `max_units` units of up to `max_dim` values and up to
    /// `max_samples` samples. Grids the kernel refuses (zero or odd toroidal hexagonal rows)
    /// are checked to be refused with the right error and give `None`.
    pub fn draw(
        u: &mut Unstructured<'_>,
        max_side: usize,
        max_dim: usize,
        max_samples: usize,
    ) -> Result<Option<Self>> {
        let palette = match u.int_in_range(0u8..=2)? {
            0 => Palette::Exact,
            1 => Palette::Moderate,
            _ => Palette::Wild,
        };
        let Some(grid) = grid(u, max_side)? else {
            return Ok(None);
        };
        let dim = u.int_in_range(1..=max_dim)?;
        let units = grid.units();
        let codebook = values(u, palette, units * dim)?;
        let n = u.int_in_range(0..=max_samples)?;
        let data = values(u, palette, n * dim)?;
        let mut blocked = vec![f32::NAN; blocked_len(units, dim)];
        layout::to_blocked(&codebook, units, dim, &mut blocked).expect("lengths are right");
        Ok(Some(Self {
            grid,
            dim,
            palette,
            codebook,
            blocked,
            data,
        }))
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.grid.units()
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        self.data.len() / self.dim
    }

    /// The samples.
    pub fn samples(&self) -> impl Iterator<Item = &[f32]> {
        self.data.chunks_exact(self.dim)
    }

    /// Row-major weights of unit `k`.
    pub fn unit(&self, k: usize) -> &[f32] {
        &self.codebook[k * self.dim..(k + 1) * self.dim]
    }

    /// Whether every codebook value is finite and at most [`SANE`] in magnitude.
    pub fn sane_codebook(&self) -> bool {
        sane(&self.codebook)
    }
}

/// A grid of up to `max_side` rows and columns, any topology and boundary; refused shapes are
/// checked to be refused with the right error, and give `None`.
pub fn grid(u: &mut Unstructured<'_>, max_side: usize) -> Result<Option<Grid>> {
    let rows = u.int_in_range(0..=max_side)?;
    let cols = u.int_in_range(0..=max_side)?;
    let topology = if u.arbitrary()? {
        Topology::Hexagonal
    } else {
        Topology::Rectangular
    };
    let boundary = if u.arbitrary()? {
        Boundary::Toroidal
    } else {
        Boundary::Planar
    };
    match Grid::with(rows, cols, topology, boundary) {
        Ok(g) => {
            assert!(rows > 0 && cols > 0);
            assert_eq!(g.units(), rows * cols);
            Ok(Some(g))
        }
        Err(Error::Zero { .. }) => {
            assert!(rows == 0 || cols == 0);
            Ok(None)
        }
        Err(Error::Unsupported { .. }) => {
            assert!(
                topology == Topology::Hexagonal && boundary == Boundary::Toroidal && rows % 2 == 1
            );
            Ok(None)
        }
        Err(e) => panic!("unexpected grid error {e:?} for {rows}x{cols}"),
    }
}

/// A neighbourhood: any shape, a width and cut-off from a set of ordinary and extreme values,
/// or an invalid one (which must be refused).
pub fn neighbourhood(u: &mut Unstructured<'_>) -> Result<Option<Neighbourhood>> {
    let shape = match u.int_in_range(0u8..=3)? {
        0 => Shape::Gaussian,
        1 => Shape::Bubble,
        2 => Shape::Triangle,
        _ => Shape::MexicanHat,
    };
    let sigma = match u.int_in_range(0u8..=7)? {
        0 => 0.05,
        1 => 0.7,
        2 => 1.0,
        3 => 2.5,
        4 => 12.0,
        5 => 1e6,
        6 => f32::from(u.int_in_range(1u16..=2000)?) / 100.0,
        _ => f32::from_bits(u.arbitrary()?),
    };
    let cutoff = match u.int_in_range(0u8..=4)? {
        0 | 1 => 0.0,
        2 => 1e-3,
        3 => f32::from(u.int_in_range(0u16..=999)?) / 1000.0,
        _ => f32::from_bits(u.arbitrary()?),
    };
    let nb = Neighbourhood::new(shape, sigma);
    if !(sigma.is_finite() && sigma > 0.0) {
        assert!(matches!(nb, Err(Error::Parameter { .. })), "{sigma}");
        return Ok(None);
    }
    let nb = nb.expect("a valid sigma").with_cutoff(cutoff);
    if !(0.0..1.0).contains(&cutoff) {
        assert!(matches!(nb, Err(Error::Parameter { .. })), "{cutoff}");
        return Ok(None);
    }
    Ok(Some(nb.expect("a valid cut-off")))
}

/// The smallest `|h|` that counts for `nb`.
pub fn threshold(nb: &Neighbourhood) -> f32 {
    nb.cutoff().max(NEGLIGIBLE)
}

/// Whether every value is finite and at most [`SANE`] in magnitude.
pub fn sane(v: &[f32]) -> bool {
    v.iter().all(|x| x.is_finite() && x.abs() <= SANE)
}

/// Largest magnitude (0 for none).
pub fn max_abs(v: &[f32]) -> f32 {
    v.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// Equal, or both NaN.
pub fn same(a: f32, b: f32) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// `a` and `b` agree to `tol`, absolutely (and NaN matches NaN).
pub fn near(a: f32, b: f32, tol: f32) -> bool {
    same(a, b) || (a - b).abs() <= tol
}

/// Row-major copy of a blocked codebook.
pub fn row_major(blocked: &[f32], units: usize, dim: usize) -> Vec<f32> {
    let mut rm = vec![0.0; units * dim];
    layout::to_row_major(blocked, units, dim, &mut rm).expect("lengths are right");
    rm
}

/// Every padding lane (past the last unit) of a blocked codebook is still exactly 0.
pub fn padding_untouched(blocked: &[f32], units: usize, dim: usize) -> bool {
    (units..units.div_ceil(8) * 8)
        .all(|k| (0..dim).all(|d| blocked[(k / 8) * 8 * dim + d * 8 + k % 8].to_bits() == 0))
}

/// `h` of `nb` at squared lattice distance `d2` in `f64`, before any threshold: to tell whether
/// a unit is within rounding of the threshold, where the SIMD and scalar paths may disagree
/// about whether it counts.
pub fn raw_h(nb: &Neighbourhood, d2: f32) -> f64 {
    let (d2, s) = (f64::from(d2), f64::from(nb.sigma()));
    match nb.shape() {
        Shape::Gaussian => (-d2 / (2.0 * s * s)).exp(),
        Shape::Bubble => {
            if d2 <= s * s {
                1.0
            } else {
                0.0
            }
        }
        Shape::Triangle => (1.0 - d2.sqrt() / s).max(0.0),
        Shape::MexicanHat => (1.0 - d2 / (s * s)) * (-d2 / (2.0 * s * s)).exp(),
    }
}

/// Whether `|h|` is so close to the threshold that either side is right.
pub fn at_edge(nb: &Neighbourhood, d2: f32) -> bool {
    let t = f64::from(threshold(nb));
    (raw_h(nb, d2).abs() - t).abs() <= 1e-5 * t
}
