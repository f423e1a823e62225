//! The lattice the units live on: positions, grid distances and neighbours.
//!
//! Unit `k` sits at row `k / cols`, column `k % cols`. On a rectangular lattice its position is
//! `(x, y) = (col, row)`. On a hexagonal lattice odd rows are shifted right by half a unit and
//! rows are `sqrt(3)/2` apart, so every unit has six neighbours at distance 1 (SOM_PAK's
//! convention). A toroidal boundary wraps both axes.

use crate::LANES;
use crate::error::{Error, Result};
use crate::math::{Lanes8, each, lane_index, sqrt};

/// Vertical spacing of hexagonal rows: `sqrt(3) / 2`.
pub const HEX_ROW_HEIGHT: f32 = 0.866_025_4;

/// Largest number of units a map may have. Unit indices and positions are computed in `f32`
/// inside the SIMD loops; below this bound they are exact.
pub const MAX_UNITS: usize = 1 << 22;

/// The arrangement of units on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Topology {
    /// Square cells, eight neighbours (diagonals included).
    #[default]
    Rectangular,
    /// Hexagonal cells, six neighbours; odd rows shifted right by half a unit.
    Hexagonal,
}

/// What happens at the map's edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Boundary {
    /// Edges are edges.
    #[default]
    Planar,
    /// Opposite edges meet: distances wrap around both axes.
    Toroidal,
}

// `rect` and `hex` as SOM_PAK and the command line spell them; `rectangular` and `hexagonal`
// as MiniSom and saved maps do ([`Topology::full_name`]).
crate::named!("topology", Topology {
    Rectangular => "rect" | "rectangular",
    Hexagonal => "hex" | "hexagonal",
});

impl Topology {
    /// The name in full, `rectangular` or `hexagonal`: MiniSom's, and what saved maps write.
    pub const fn full_name(self) -> &'static str {
        match self {
            Topology::Rectangular => "rectangular",
            Topology::Hexagonal => "hexagonal",
        }
    }
}

crate::named!("boundary", Boundary {
    Planar => "planar",
    Toroidal => "toroidal",
});

/// A `rows x cols` lattice of units. Small and `Copy`; validated once when built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    rows: usize,
    cols: usize,
    topology: Topology,
    boundary: Boundary,
}

impl Grid {
    /// A rectangular, planar grid of `rows x cols` units.
    ///
    /// # Errors
    /// [`Error::Zero`] when `rows` or `cols` is 0, [`Error::TooLarge`] beyond [`MAX_UNITS`].
    ///
    /// # Example
    /// ```
    /// let grid = som_kernel::Grid::new(20, 30)?;
    /// assert_eq!(grid.units(), 600);
    /// # Ok::<(), som_kernel::Error>(())
    /// ```
    pub fn new(rows: usize, cols: usize) -> Result<Self> {
        Self::with(rows, cols, Topology::Rectangular, Boundary::Planar)
    }

    /// A grid with the given topology and boundary.
    ///
    /// # Errors
    /// As [`Grid::new`], and [`Error::Unsupported`] for a toroidal hexagonal grid with an odd
    /// number of rows.
    pub fn with(rows: usize, cols: usize, topology: Topology, boundary: Boundary) -> Result<Self> {
        if rows == 0 {
            return Err(Error::Zero { what: "rows" });
        }
        if cols == 0 {
            return Err(Error::Zero { what: "cols" });
        }
        let units = rows.saturating_mul(cols);
        if units > MAX_UNITS {
            return Err(Error::TooLarge {
                what: "units (rows * cols)",
                max: MAX_UNITS,
                got: units,
            });
        }
        if topology == Topology::Hexagonal && boundary == Boundary::Toroidal && rows % 2 == 1 {
            return Err(Error::Unsupported {
                what: "a toroidal hexagonal grid needs an even number of rows",
            });
        }
        Ok(Self {
            rows,
            cols,
            topology,
            boundary,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of units, `rows * cols`.
    pub fn units(&self) -> usize {
        self.rows * self.cols
    }

    /// The lattice.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The boundary.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// `(row, col)` of unit `k`.
    pub fn row_col(&self, k: usize) -> (usize, usize) {
        // `cols >= 1` by construction; `max(1)` shows it to the compiler, so no division by
        // zero branch (a panic) is left in the code (no-panic/ proves it at link time).
        let cols = self.cols.max(1);
        (k / cols, k % cols)
    }

    /// Position `(x, y)` of unit `k` in the plane of the lattice (for drawing).
    pub fn position(&self, k: usize) -> (f32, f32) {
        let (x, row) = self.coords(k);
        match self.topology {
            Topology::Rectangular => (x, row),
            Topology::Hexagonal => (x, row * HEX_ROW_HEIGHT),
        }
    }

    /// Lattice coordinates `(x, row)` of unit `k`: `x` is the column, plus a half on odd
    /// hexagonal rows. Distances are computed from these as `dx^2 + v dr^2` with `v = 3/4` on
    /// a hexagonal lattice, exact for integer rows (SOM_PAK's own arithmetic).
    pub(crate) fn coords(&self, k: usize) -> (f32, f32) {
        let (row, col) = self.row_col(k);
        let shift = match self.topology {
            Topology::Hexagonal if row % 2 == 1 => 0.5,
            _ => 0.0,
        };
        (col as f32 + shift, row as f32)
    }

    /// Weight of squared row differences in squared distances: 1, or 3/4 between hexagonal rows.
    pub(crate) fn vertical(&self) -> f32 {
        match self.topology {
            Topology::Rectangular => 1.0,
            Topology::Hexagonal => 0.75,
        }
    }

    /// Squared lattice distance between lattice coordinates `a` and `b` (wrapping on a torus).
    pub(crate) fn dist2_between(&self, a: (f32, f32), b: (f32, f32)) -> f32 {
        let torus = self.boundary == Boundary::Toroidal;
        let (w, h) = (self.cols as f32, self.rows as f32);
        lattice_dist2(torus, (w, h, self.vertical()), a.0 - b.0, a.1 - b.1)
    }

    /// Squared lattice distance between units `a` and `b`.
    pub fn dist2(&self, a: usize, b: usize) -> f32 {
        self.dist2_between(self.coords(a), self.coords(b))
    }

    /// Lattice distance between units `a` and `b`.
    pub fn dist(&self, a: usize, b: usize) -> f32 {
        sqrt(self.dist2(a, b))
    }

    /// The distinct lattice neighbours of unit `k`: up to eight on a rectangular lattice
    /// (diagonals included), six on a hexagonal one; fewer at planar edges.
    pub fn neighbours(&self, k: usize) -> Neighbours {
        const RECT: [(isize, isize); 8] = [
            (-1, -1),
            (-1, 0),
            (-1, 1),
            (0, -1),
            (0, 1),
            (1, -1),
            (1, 0),
            (1, 1),
        ];
        const HEX_EVEN: [(isize, isize); 6] = [(-1, -1), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 0)];
        const HEX_ODD: [(isize, isize); 6] = [(-1, 0), (-1, 1), (0, -1), (0, 1), (1, 0), (1, 1)];
        let (row, col) = self.row_col(k);
        let offsets: &[(isize, isize)] = match self.topology {
            Topology::Rectangular => &RECT,
            Topology::Hexagonal if row % 2 == 0 => &HEX_EVEN,
            Topology::Hexagonal => &HEX_ODD,
        };
        let mut out = Neighbours {
            units: [0; 8],
            len: 0,
        };
        for &(dr, dc) in offsets {
            let (Some(r), Some(c)) = (self.step(row, dr, self.rows), self.step(col, dc, self.cols))
            else {
                continue;
            };
            let n = r * self.cols + c;
            if n != k && !out.as_slice().contains(&n) {
                // At most eight offsets, so there is always a slot; `get_mut` leaves no panic.
                if let Some(slot) = out.units.get_mut(out.len) {
                    *slot = n;
                    out.len += 1;
                }
            }
        }
        out
    }

    /// Whether units `a` and `b` are lattice neighbours.
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        self.neighbours(a).as_slice().contains(&b)
    }

    /// `i + d` on an axis of length `n`: wrapped on a torus, `None` off a planar edge.
    fn step(&self, i: usize, d: isize, n: usize) -> Option<usize> {
        // Checked: `i` is a row or column of any `k` a caller passes, even one past the map.
        let j = (i as isize).checked_add(d)?;
        match self.boundary {
            // `n >= 1`; `max(1)` leaves no division-by-zero or overflow branch.
            Boundary::Toroidal => Some(j.rem_euclid((n as isize).max(1)) as usize),
            Boundary::Planar => (0..n as isize).contains(&j).then_some(j as usize),
        }
    }

    /// Lattice coordinates `(x, row)` of the eight units of block `b` (units `8b .. 8b + 8`),
    /// as [`Grid::coords`], lane by lane: inlined into a loop compiled for a SIMD level, the
    /// lanes become its vectors. Lanes past the last unit hold coordinates of units that do
    /// not exist; callers mask them.
    #[inline(always)]
    pub(crate) fn block_coords(&self, b: usize) -> (Lanes8, Lanes8) {
        let k = lane_index((b * LANES) as f32);
        let (cols, inv_cols) = (self.cols as f32, 1.0 / self.cols as f32);
        // The row k / cols rounded down: estimated (off by one at most, after two roundings),
        // then corrected exactly, as k, the row and row * cols are integers below 2^24.
        // Float operations alone: a conversion to integers saturates, which costs several
        // instructions a lane and kept the compiler from vectorizing this.
        let guess = each(|i| round_nearest(k[i] * inv_cols - 0.5));
        let rest = each(|i| k[i] - guess[i] * cols);
        let row = each(|i| {
            let low = if rest[i] < 0.0 { 1.0 } else { 0.0 };
            let high = if rest[i] >= cols { 1.0 } else { 0.0 };
            guess[i] - low + high
        });
        let col = each(|i| k[i] - row[i] * cols);
        match self.topology {
            Topology::Rectangular => (col, row),
            // Odd rows shifted by half a column: `row - 2 round(row / 2 - 1/4)` is 1 on them.
            Topology::Hexagonal => (
                each(|i| col[i] + (row[i] - 2.0 * round_nearest(row[i] * 0.5 - 0.25)) * 0.5),
                row,
            ),
        }
    }

    /// Squared lattice distances from eight coordinates to one point, as
    /// [`Grid::dist2_between`].
    #[inline(always)]
    pub(crate) fn dist2_block(&self, (px, pr): (Lanes8, Lanes8), (bx, br): (f32, f32)) -> Lanes8 {
        let (w, h) = (self.cols as f32, self.rows as f32);
        let shape = (w, h, self.vertical());
        if self.boundary == Boundary::Toroidal {
            each(|i| lattice_dist2(true, shape, px[i] - bx, pr[i] - br))
        } else {
            each(|i| lattice_dist2(false, shape, px[i] - bx, pr[i] - br))
        }
    }
}

/// The integer nearest `x` (`|x| < 2^22`), in two float additions: `x + 1.5 * 2^23` lies
/// where the spacing of floats is 1, so the sum rounds `x` to an integer.
#[inline(always)]
fn round_nearest(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    (x + SHIFT) - SHIFT
}

/// The squared lattice distance of a coordinate difference `(dx, dr)` on a lattice of width
/// `w` and height `h` whose squared row differences weigh `vertical`; wrapped on a torus. No
/// fused multiply-add: the same bits in every lane and at every level.
#[inline(always)]
fn lattice_dist2(torus: bool, (w, h, vertical): (f32, f32, f32), dx: f32, dr: f32) -> f32 {
    let (mut dx, mut dr) = (dx, dr);
    if torus {
        dx = dx.abs();
        dr = dr.abs();
        dx = dx.min(w - dx);
        dr = dr.min(h - dr);
    }
    dx * dx + (dr * dr) * vertical
}

/// The neighbours of one unit, without allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbours {
    units: [usize; 8],
    len: usize,
}

impl Neighbours {
    /// The neighbour indices, in lattice order (top-left first).
    pub fn as_slice(&self) -> &[usize] {
        self.units.get(..self.len).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_odd_toroidal_hex() {
        assert_eq!(Grid::new(0, 3), Err(Error::Zero { what: "rows" }));
        assert_eq!(Grid::new(3, 0), Err(Error::Zero { what: "cols" }));
        assert!(matches!(
            Grid::with(3, 4, Topology::Hexagonal, Boundary::Toroidal),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            Grid::new(1 << 12, 1 << 11),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn hexagonal_positions_and_neighbours_are_at_distance_one() {
        let g = Grid::with(4, 5, Topology::Hexagonal, Boundary::Planar).unwrap();
        assert_eq!(g.position(0), (0.0, 0.0));
        assert_eq!(g.position(5), (0.5, HEX_ROW_HEIGHT));
        assert_eq!(g.position(7), (2.5, HEX_ROW_HEIGHT));
        // Exactly 1 (SOM_PAK's arithmetic: dx^2 + 0.75 dr^2), so a bubble of radius 1 holds
        // the six neighbours and nothing else.
        for k in 0..g.units() {
            for &n in g.neighbours(k).as_slice() {
                assert_eq!(g.dist2(k, n), 1.0, "{k} {n}");
            }
        }
        // Two rows down, one column across: 0.25 * 0 + 1 + 0.75 * 4 = 4 exactly.
        assert_eq!(g.dist2(0, 11), 4.0);
        // Unit 7 (row 1, col 2) has its six neighbours inside the map.
        assert_eq!(g.neighbours(7).as_slice(), &[2, 3, 6, 8, 12, 13]);
        // A corner unit on an even row has two or three.
        assert_eq!(g.neighbours(0).as_slice(), &[1, 5]);
    }

    #[test]
    fn rectangular_neighbours_include_diagonals() {
        let g = Grid::new(3, 3).unwrap();
        assert_eq!(g.neighbours(4).as_slice(), &[0, 1, 2, 3, 5, 6, 7, 8]);
        assert_eq!(g.neighbours(0).as_slice(), &[1, 3, 4]);
        assert!(g.adjacent(0, 4));
        assert!(!g.adjacent(0, 8));
    }

    #[test]
    fn toroidal_distances_wrap() {
        let g = Grid::with(4, 10, Topology::Rectangular, Boundary::Toroidal).unwrap();
        // (0,0) to (0,9): one step across the seam.
        assert_eq!(g.dist2(0, 9), 1.0);
        // (0,0) to (3,9): one step diagonally across both seams.
        assert_eq!(g.dist2(0, 39), 2.0);
        // (0,0) to (2,5): as far as it gets.
        assert_eq!(g.dist2(0, 25), 29.0);
        assert!(g.adjacent(0, 39));
        let h = Grid::with(4, 6, Topology::Hexagonal, Boundary::Toroidal).unwrap();
        for k in 0..h.units() {
            let n = h.neighbours(k);
            assert_eq!(n.as_slice().len(), 6);
            for &j in n.as_slice() {
                assert_eq!(h.dist2(k, j), 1.0, "{k} {j}");
            }
        }
    }

    #[test]
    fn tiny_toroidal_grids_do_not_repeat_neighbours() {
        let g = Grid::with(1, 2, Topology::Rectangular, Boundary::Toroidal).unwrap();
        assert_eq!(g.neighbours(0).as_slice(), &[1]);
        let g = Grid::with(1, 1, Topology::Rectangular, Boundary::Toroidal).unwrap();
        assert!(g.neighbours(0).as_slice().is_empty());
    }

    #[test]
    fn simd_positions_equal_scalar_positions() {
        for (rows, cols) in [
            (1, 1),
            (3, 7),
            (20, 30),
            (9, 13),
            (1, 17),
            (17, 1),
            (2047, 2048),
        ] {
            for topology in [Topology::Rectangular, Topology::Hexagonal] {
                let g = Grid::with(rows, cols, topology, Boundary::Planar).unwrap();
                let large = if cfg!(miri) { 99_991 } else { 997 };
                let step = if g.units() > 100_000 { large } else { 1 };
                for b in (0..g.units().div_ceil(LANES)).step_by(step) {
                    let (px, py) = g.block_coords(b);
                    for lane in 0..LANES {
                        let k = b * LANES + lane;
                        if k < g.units() {
                            assert_eq!(
                                (px[lane], py[lane]),
                                g.coords(k),
                                "unit {k} of {rows}x{cols}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn simd_positions_exact_at_the_largest_map() {
        // The first and last blocks of the largest allowed maps, for awkward column counts,
        // on both lattices.
        let shapes = [1usize, 2, 3, 7, 1000, 2047, 4095, MAX_UNITS].map(|c| (MAX_UNITS / c, c));
        for ((rows, cols), topology) in shapes
            .into_iter()
            .flat_map(|s| [Topology::Rectangular, Topology::Hexagonal].map(|t| (s, t)))
        {
            let g = Grid::with(rows, cols, topology, Boundary::Planar).unwrap();
            let last = g.units().div_ceil(LANES);
            let ends = if cfg!(miri) { 8 } else { 300 };
            for b in (0..ends.min(last)).chain(last.saturating_sub(ends)..last) {
                let (px, py) = g.block_coords(b);
                for lane in 0..LANES {
                    let k = b * LANES + lane;
                    if k < g.units() {
                        assert_eq!((px[lane], py[lane]), g.coords(k));
                    }
                }
            }
        }
    }
}
