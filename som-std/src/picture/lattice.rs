//! Where each unit is drawn: the cells of a map's units in pixels, from the kernel's
//! [`Grid::position`], for both lattices (squares, and pointy-top hexagons with odd rows
//! shifted right by half a cell).

use som_kernel::{Grid, Topology};

/// `sqrt(3)`.
const SQRT3: f32 = 1.732_050_8;

/// Distance between hexagonal rows, in cells: the kernel's.
const HEX_ROW_HEIGHT: f32 = som_kernel::grid::HEX_ROW_HEIGHT;

/// The units' cells in the picture: where each unit's centre is, which unit covers a point.
/// Centres are the kernel's positions ([`Grid::position`]), shifted so that every cell lies
/// inside the map's box.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lattice {
    pub(super) grid: Grid,
    /// Centre-to-centre distance in pixels.
    pub(super) cell: f32,
    /// Top left corner of the map's bounding box, in pixels.
    pub(super) x0: f32,
    pub(super) y0: f32,
}

impl Lattice {
    /// Half the width and half the height of a cell, in cells: a square of side 1, or a
    /// pointy-top hexagon of width 1 (height `2/sqrt(3)`).
    fn half_cell(topology: Topology) -> (f32, f32) {
        match topology {
            Topology::Rectangular => (0.5, 0.5),
            Topology::Hexagonal => (0.5, 1.0 / SQRT3),
        }
    }

    /// Width and height of the map in cells: the kernel's positions' extent plus a cell.
    fn extent(grid: &Grid) -> (f32, f32) {
        let (hw, hh) = Self::half_cell(grid.topology());
        // The rightmost centres are in the last column, the lowest in the last row.
        let (rows, cols) = (grid.rows(), grid.cols());
        let right = (0..rows)
            .map(|r| grid.position(r * cols + cols - 1).0)
            .fold(0.0, f32::max);
        let bottom = grid.position(grid.units() - 1).1;
        (right + 2.0 * hw, bottom + 2.0 * hh)
    }

    /// Width and height of the map's bounding box, in pixels.
    pub(super) fn size(&self) -> (f32, f32) {
        let (w, h) = Self::extent(&self.grid);
        (w * self.cell, h * self.cell)
    }

    /// Centre of unit `k` in cells from the map's top left corner.
    fn centre_cells(&self, k: usize) -> (f32, f32) {
        let (x, y) = self.grid.position(k);
        let (hw, hh) = Self::half_cell(self.grid.topology());
        (x + hw, y + hh)
    }

    /// Centre of unit `k`, in pixels.
    pub(super) fn centre(&self, k: usize) -> (f32, f32) {
        let (u, v) = self.centre_cells(k);
        (self.x0 + u * self.cell, self.y0 + v * self.cell)
    }

    /// The unit whose cell holds the point `(x, y)` (in pixels), and how far inside the cell
    /// the point is (distance to the cell's edge, in pixels); `None` outside the map.
    pub(super) fn locate(&self, x: f32, y: f32) -> Option<(usize, f32)> {
        let u = (x - self.x0) / self.cell;
        let v = (y - self.y0) / self.cell;
        let (rows, cols) = (self.grid.rows(), self.grid.cols());
        match self.grid.topology() {
            Topology::Rectangular => {
                if u < 0.0 || v < 0.0 {
                    return None;
                }
                let (col, row) = (u as usize, v as usize);
                if col >= cols || row >= rows {
                    return None;
                }
                let (cu, cv) = self.centre_cells(row * cols + col);
                let (fu, fv) = ((u - cu).abs(), (v - cv).abs());
                let edge = (0.5 - fu).min(0.5 - fv);
                Some((row * cols + col, edge * self.cell))
            }
            Topology::Hexagonal => {
                // The nearest centre is in one of the two rows around v; in each row the
                // nearest column is the rounded one. Only the nearest centre's hexagon can
                // hold the point.
                let h = HEX_ROW_HEIGHT;
                // (Casts of non-negative floats truncate, which is `floor` without a libm
                // call: this runs 16 times for every pixel on an edge.)
                let r0 = ((v - 1.0 / SQRT3) / h).max(0.0) as usize;
                let mut best: Option<(usize, f32, f32, f32)> = None;
                for row in [r0, r0 + 1] {
                    let row = row.min(rows - 1);
                    // The row's shift is where the kernel puts its first unit.
                    let shift = self.grid.position(row * cols).0;
                    // The nearest centre in the row, `col + shift + 0.5`: `floor(u - shift)`.
                    let col = ((u - shift).max(0.0) as usize).min(cols - 1);
                    let k = row * cols + col;
                    let (cu, cv) = self.centre_cells(k);
                    let (dx, dy) = (u - cu, v - cv);
                    let d2 = dx * dx + dy * dy;
                    if best.is_none_or(|b| d2 < b.1) {
                        best = Some((k, d2, dx, dy));
                    }
                }
                let (k, _, dx, dy) = best?;
                // Pointy-top hexagon of width 1: |dx| <= 1/2 and |dx|/2 + |dy| sqrt(3)/2 <= 1/2.
                let (dx, dy) = (dx.abs(), dy.abs());
                let reach = dx.max(0.5 * dx + h * dy);
                (reach <= 0.5).then_some((k, (0.5 - reach) * self.cell))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use som_kernel::Boundary;

    /// Every unit's centre lies in its own cell, a cell's half width from its edge for
    /// squares and hexagons alike; points left of and above the map are in no cell.
    #[test]
    fn centres_locate_their_units() {
        for topology in [Topology::Rectangular, Topology::Hexagonal] {
            let grid = Grid::with(4, 5, topology, Boundary::Planar).unwrap();
            let l = Lattice {
                grid,
                cell: 20.0,
                x0: 7.0,
                y0: 3.0,
            };
            let (w, h) = l.size();
            for k in 0..grid.units() {
                let (x, y) = l.centre(k);
                assert!(x > l.x0 && x < l.x0 + w && y > l.y0 && y < l.y0 + h);
                let (unit, edge) = l.locate(x, y).unwrap();
                assert_eq!(unit, k, "{topology:?}");
                assert!((edge - 10.0).abs() < 1e-3, "{topology:?} {k}: {edge}");
            }
            assert_eq!(l.locate(l.x0 - 1.0, l.y0 + 1.0), None);
            assert_eq!(l.locate(l.x0 + 1.0, l.y0 - 1.0), None);
        }
    }
}
