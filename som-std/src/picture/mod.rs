//! PNG pictures of maps: U-matrix, component planes, hit maps, and codebooks of colours, with
//! labels at units; and a line chart of a training history.
//!
//! Every map picture is drawn from the map's [`Grid`](crate::kernel::Grid) and one value (or
//! colour, or count) per unit, unit `k` at row `k / cols`, column `k % cols`, centred where the
//! kernel puts it ([`Grid::position`](crate::kernel::Grid::position)): rectangular maps as
//! squares; hexagonal maps as hexagons, odd rows shifted right by half a cell and rows
//! `sqrt(3)/2` cells apart, so that neighbours on the map touch in the picture. (A MiniSom
//! hexagonal map, [`crate::MiniSomLattice`], then looks as MiniSom's own plots do: its `j`
//! upwards.) Edges are anti-aliased; text is Noto Sans Mono.
//!
//! A picture is made by one function: [`umatrix`], [`values`], [`component_plane`],
//! [`hit_map`] or [`rgb`] for a map, [`history`] for a training history; a [`Style`] says how
//! it looks. A map picture can then get hits ([`Picture::hits`]) and names
//! ([`Picture::labels`]) before it is written ([`Picture::write_png`], [`Picture::save_png`]).
//!
//! # Example
//! ```
//! use som_std::picture::{self, Style};
//! use som_std::kernel::{Boundary, Grid, Topology};
//!
//! // A 2 x 3 map of colours, one label.
//! let grid = Grid::with(2, 3, Topology::Hexagonal, Boundary::Planar)?;
//! let codebook = [1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 1., 0., 0., 1., 1., 1., 0., 1.];
//! let mut pic = picture::rgb(&grid, &codebook, &Style::default())?;
//! pic.labels(&[(4, "cyan")])?;
//! let mut png = Vec::new();
//! pic.write_png(&mut png, "colours.png")?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), som_std::Error>(())
//! ```

// The rasteriser: pixels, colours, drawing primitives, text, PNG.
mod canvas;
// Names at units, clear of each other.
mod labels;
// Where each unit is drawn, from the kernel's grid.
mod lattice;
// The map pictures.
mod maps;
// The training history's line chart.
mod plot;

pub use canvas::{Palette, Rgb};
pub use maps::{component_plane, hit_map, rgb, umatrix, values};
pub use plot::history;

use crate::error::Result;
use canvas::Canvas;
use labels::Placed;
use lattice::Lattice;
use std::io::Write;
use std::path::Path;

/// Largest picture drawn, in pixels (width times height): 128 M pixels, 384 MiB of RGB.
pub const MAX_PIXELS: u64 = 1 << 27;

/// How a picture looks. [`Style::default`] gives 28-pixel cells and the Viridis scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// Distance in pixels between the centres of neighbouring units (the side of a square
    /// cell, the width of a hexagon), from 4 to 512.
    pub cell: u32,
    /// Empty border around everything, in pixels.
    pub margin: u32,
    /// The colour scale of value pictures (U-matrix, component planes).
    pub palette: Palette,
    /// Colour of the background and of the gaps drawn by `gap`.
    pub background: Rgb,
    /// Width in pixels of a line of background colour around each cell (0 for none). A thin
    /// gap makes single hexagons visible where neighbours have nearly the same colour.
    pub gap: f32,
    /// A title above the map.
    pub title: Option<String>,
    /// Whether value pictures get a colour bar with the values at its ends.
    pub colour_bar: bool,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            cell: 28,
            margin: 12,
            palette: Palette::Viridis,
            background: [255, 255, 255],
            gap: 0.0,
            title: None,
            colour_bar: true,
        }
    }
}

/// An RGB picture of a map, ready to be labelled and written as PNG.
#[derive(Debug, Clone)]
pub struct Picture {
    canvas: Canvas,
    lattice: Lattice,
    /// Units of the map drawn (0 for a chart).
    units: usize,
    style: Style,
    /// The label boxes drawn so far.
    placed: Vec<Placed>,
}

impl Picture {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.canvas.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.canvas.height()
    }

    /// The RGB pixels, row after row from the top, 3 bytes each.
    pub fn pixels(&self) -> &[u8] {
        self.canvas.pixels()
    }

    /// The colour of the pixel at column `x`, row `y`, or `None` outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        self.canvas.pixel(x, y)
    }

    /// The centre of unit `k`'s cell, in pixels from the top left corner (`None` if there is
    /// no unit `k`). The pixel `(x as u32, y as u32)` lies inside the cell.
    pub fn unit_centre(&self, k: usize) -> Option<(f32, f32)> {
        (k < self.units).then(|| self.lattice.centre(k))
    }

    /// Encodes the picture as PNG (8-bit RGB). `name` names the stream in errors.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if writing fails.
    pub fn write_png<W: Write>(&self, writer: W, name: &str) -> Result<()> {
        self.canvas.write_png(writer, name)
    }

    /// Writes the picture as a PNG file at `path`, all or nothing
    /// ([`crate::io::write_atomic`]).
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be created or written.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path, |file, name| self.write_png(file, name))
    }
}
