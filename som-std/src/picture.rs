//! PNG pictures of maps: U-matrix, component planes, hit maps, and codebooks of colours, with
//! labels at units.
//!
//! Every picture is drawn from the map's [`Grid`] and one value (or colour, or count) per
//! unit, unit `k` at row `k / cols`, column `k % cols`, centred where the kernel puts it
//! ([`Grid::position`]): rectangular maps as squares; hexagonal maps as hexagons, odd rows
//! shifted right by half a cell and rows `sqrt(3)/2` cells apart, so that neighbours on the
//! map touch in the picture. (A MiniSom hexagonal map, [`crate::MiniSomLattice`], then looks
//! as MiniSom's own plots do: its `j` upwards.) Edges are anti-aliased; text is Noto Sans Mono.
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

use crate::error::{Error, Result};
use noto_sans_mono_bitmap::{FontWeight, RasterHeight, get_raster, get_raster_width};
use som_kernel::{Grid, Topology};
use std::io::{BufWriter, Write};
use std::path::Path;

/// `sqrt(3)`.
const SQRT3: f32 = 1.732_050_8;

/// Distance between hexagonal rows, in cells: the kernel's.
const HEX_ROW_HEIGHT: f32 = som_kernel::grid::HEX_ROW_HEIGHT;

/// Subsamples per pixel side for anti-aliasing (4 x 4 per pixel).
const AA: usize = 4;

/// Height of a line of text in pixels.
const TEXT_HEIGHT: RasterHeight = RasterHeight::Size16;

/// Largest picture drawn, in pixels (width times height): 128 M pixels, 384 MiB of RGB.
pub const MAX_PIXELS: u64 = 1 << 27;

/// A colour, red, green and blue from 0 to 255.
pub type Rgb = [u8; 3];

/// The colour scale of value pictures: low values at one end, high values at the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// Dark blue through green to yellow: perceptually uniform, readable in grey and by most
    /// colour-blind readers.
    #[default]
    Viridis,
    /// Black through purple and red to pale yellow: perceptually uniform.
    Magma,
    /// Dark blue to yellow, designed for colour-blind readers.
    Cividis,
    /// White to black: the classic U-matrix look, where cluster borders (long distances) are
    /// dark and clusters light.
    Greys,
}

impl Palette {
    /// The colour at `t`: 0 is the low end, 1 the high end; `t` is clamped to `[0, 1]` and NaN
    /// counts as 0.
    pub fn colour(self, t: f32) -> Rgb {
        let t = if t.is_nan() {
            0.0
        } else {
            f64::from(t.clamp(0.0, 1.0))
        };
        let c = match self {
            Palette::Viridis => colorous::VIRIDIS,
            Palette::Magma => colorous::MAGMA,
            Palette::Cividis => colorous::CIVIDIS,
            Palette::Greys => colorous::GREYS,
        }
        .eval_continuous(t);
        [c.r, c.g, c.b]
    }
}

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

/// The units' cells in the picture: where each unit's centre is, which unit covers a point.
/// Centres are the kernel's positions ([`Grid::position`]), shifted so that every cell lies
/// inside the map's box.
#[derive(Debug, Clone, Copy)]
struct Lattice {
    grid: Grid,
    /// Centre-to-centre distance in pixels.
    cell: f32,
    /// Top left corner of the map's bounding box, in pixels.
    x0: f32,
    y0: f32,
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

    /// Centre of unit `k` in cells from the map's top left corner.
    fn centre_cells(&self, k: usize) -> (f32, f32) {
        let (x, y) = self.grid.position(k);
        let (hw, hh) = Self::half_cell(self.grid.topology());
        (x + hw, y + hh)
    }

    /// Centre of unit `k`, in pixels.
    fn centre(&self, k: usize) -> (f32, f32) {
        let (u, v) = self.centre_cells(k);
        (self.x0 + u * self.cell, self.y0 + v * self.cell)
    }

    /// The unit whose cell holds the point `(x, y)` (in pixels), and how far inside the cell
    /// the point is (distance to the cell's edge, in pixels); `None` outside the map.
    fn locate(&self, x: f32, y: f32) -> Option<(usize, f32)> {
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

/// A box of text already drawn, so that later labels keep clear of it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Placed {
    fn overlap(&self, o: &Placed) -> f32 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w.max(0.0) * h.max(0.0)
    }
}

/// An RGB picture of a map, ready to be labelled and written as PNG.
#[derive(Debug, Clone)]
pub struct Picture {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    lattice: Lattice,
    units: usize,
    style: Style,
    placed: Vec<Placed>,
}

/// The U-matrix: each unit coloured by its value (typically the mean distance of its weights
/// to its neighbours'), on the style's colour scale from the smallest value to the largest.
/// With [`Palette::Greys`] clusters are light and the borders between them dark.
///
/// # Errors
/// As [`values`].
pub fn umatrix(grid: &Grid, distances: &[f32], style: &Style) -> Result<Picture> {
    values(grid, distances, style)
}

/// One component plane: component `component` of every unit of a row-major codebook of
/// `dim` values per unit, coloured on the style's scale.
///
/// # Errors
/// [`Error::Invalid`] if `dim` is 0, `component >= dim` or `codebook` is not
/// `units * dim` values; as [`values`] otherwise.
pub fn component_plane(
    grid: &Grid,
    codebook: &[f32],
    dim: usize,
    component: usize,
    style: &Style,
) -> Result<Picture> {
    let units = grid.units();
    if dim == 0 || component >= dim {
        return Err(Error::Invalid(format!(
            "component plane {component} of a codebook of dim {dim}: expected a component \
             below the dim"
        )));
    }
    check_len("codebook", codebook.len(), units.checked_mul(dim), grid)?;
    let plane: Vec<f32> = codebook.chunks_exact(dim).map(|w| w[component]).collect();
    values(grid, &plane, style)
}

/// Any value per unit, coloured on the style's scale from the smallest finite value (low end)
/// to the largest (high end), with a colour bar naming both unless the style turns it off.
/// Units whose value is not finite are drawn light grey.
///
/// # Errors
/// [`Error::Invalid`] if `values` is not one per unit, or the style's cell size is out of
/// range or the picture would exceed [`MAX_PIXELS`].
pub fn values(grid: &Grid, values: &[f32], style: &Style) -> Result<Picture> {
    check_len("values", values.len(), Some(grid.units()), grid)?;
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f32::INFINITY, f32::min);
    let hi = finite.fold(f32::NEG_INFINITY, f32::max);
    let range = (lo <= hi).then_some((lo, hi));
    let bar = if style.colour_bar { range } else { None };
    let panel = bar.map_or((0.0, 0.0), |(lo, hi)| {
        let chars = short(lo).len().max(short(hi).len());
        (
            BAR_GAP + BAR_WIDTH + BAR_LABEL_GAP + text_width(chars, FontWeight::Regular),
            2.0 * text_height(),
        )
    });
    let mut pic = Picture::blank(grid, style, panel)?;
    let colours: Vec<Rgb> = values
        .iter()
        .map(|&v| match range {
            Some((lo, hi)) if v.is_finite() => {
                let t = if hi > lo {
                    (f64::from(v) - f64::from(lo)) / (f64::from(hi) - f64::from(lo))
                } else {
                    0.5
                };
                style.palette.colour(t as f32)
            }
            _ => NO_VALUE,
        })
        .collect();
    pic.fill_cells(&colours);
    if let Some((lo, hi)) = bar {
        pic.draw_colour_bar(lo, hi);
    }
    Ok(pic)
}

/// Colour of a unit without a finite value.
const NO_VALUE: Rgb = [214, 214, 214];

/// Colour of the cells of a hit map.
const HIT_CELL: Rgb = [236, 236, 236];

/// Radius of the largest disc of a hit map, in cells: nearly touching the cell's sides.
const DISC: f32 = 0.46;

/// Colour of the discs of a hit map.
const HIT_DISC: Rgb = [52, 74, 110];

/// A hit map: every unit a light cell with a disc whose area is proportional to its count
/// (how many samples it won); the largest count fills most of the cell, 0 draws no disc.
/// Unless the style turns the colour bar off, a legend right of the map shows the disc of the
/// largest count and that count.
///
/// # Errors
/// As [`values`], for `counts` in place of the values.
pub fn hit_map(grid: &Grid, counts: &[u64], style: &Style) -> Result<Picture> {
    let units = grid.units();
    check_len("counts", counts.len(), Some(units), grid)?;
    let max = counts.iter().copied().max().unwrap_or(0);
    let legend = style.colour_bar && max > 0;
    let label = format!("{max} hit{}", if max == 1 { "" } else { "s" });
    let panel = if legend {
        let d = style.cell as f32;
        (
            BAR_GAP + d + BAR_LABEL_GAP + text_width(label.len(), FontWeight::Regular),
            d.max(text_height()),
        )
    } else {
        (0.0, 0.0)
    };
    let mut pic = Picture::blank(grid, style, panel)?;
    pic.fill_cells(&vec![HIT_CELL; units]);
    pic.discs(counts, HIT_DISC, None);
    if legend {
        let l = pic.lattice;
        let (w, _) = Lattice::extent(&l.grid);
        let x = l.x0 + w * l.cell + BAR_GAP;
        let cy = l.y0 + l.cell / 2.0;
        pic.disc(x + l.cell / 2.0, cy, DISC * l.cell, HIT_DISC, None);
        let tx = x + l.cell + BAR_LABEL_GAP;
        pic.draw_text(
            tx,
            cy - text_height() / 2.0,
            &label,
            FontWeight::Regular,
            [40, 40, 40],
        );
    }
    Ok(pic)
}

/// A codebook of colours: unit `k` drawn in the colour of its three weights (red, green, blue
/// from 0 to 1; values outside are clamped, NaN is black). The picture of the "Self-Organizing
/// Maps with TensorFlow" colour example; put names on it with [`Picture::labels`].
///
/// # Errors
/// [`Error::Invalid`] if `codebook` is not `units * 3` values; as [`values`] otherwise.
pub fn rgb(grid: &Grid, codebook: &[f32], style: &Style) -> Result<Picture> {
    check_len(
        "codebook of colours (3 values per unit)",
        codebook.len(),
        grid.units().checked_mul(3),
        grid,
    )?;
    let mut pic = Picture::blank(grid, style, (0.0, 0.0))?;
    let colours: Vec<Rgb> = codebook
        .chunks_exact(3)
        .map(|w| [channel(w[0]), channel(w[1]), channel(w[2])])
        .collect();
    pic.fill_cells(&colours);
    Ok(pic)
}

/// A weight in `[0, 1]` as a colour channel.
fn channel(v: f32) -> u8 {
    if v.is_nan() {
        0
    } else {
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

/// Checks the length of a per-unit input.
fn check_len(what: &str, got: usize, expected: Option<usize>, grid: &Grid) -> Result<()> {
    if expected == Some(got) {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "cannot draw a {} x {} map from {got} {what}: expected {}",
        grid.rows(),
        grid.cols(),
        expected.map_or("more than fit in memory".into(), |n| n.to_string())
    )))
}

/// Width in pixels of a text line of `chars` characters.
fn text_width(chars: usize, weight: FontWeight) -> f32 {
    (chars * get_raster_width(weight, TEXT_HEIGHT)) as f32
}

/// Pixels of a text line's height.
fn text_height() -> f32 {
    TEXT_HEIGHT.val() as f32
}

/// A value for the colour bar: four significant digits, no trailing zeros.
fn short(v: f32) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        return format!("{v:.2e}");
    }
    let digits = if a == 0.0 {
        0
    } else {
        (3 - a.log10().floor() as i32).clamp(0, 6) as usize
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Width of the colour bar and its labels right of the map, in pixels.
const BAR_GAP: f32 = 14.0;
const BAR_WIDTH: f32 = 14.0;
const BAR_LABEL_GAP: f32 = 6.0;

impl Picture {
    /// An empty picture laid out for the map, the title and a panel of `panel` pixels
    /// (width, height) right of the map for a colour bar or legend.
    fn blank(grid: &Grid, style: &Style, panel: (f32, f32)) -> Result<Picture> {
        let (rows, cols, units) = (grid.rows(), grid.cols(), grid.units());
        if !(4..=512).contains(&style.cell) {
            return Err(Error::Invalid(format!(
                "a cell of {} pixels: expected 4 to 512",
                style.cell
            )));
        }
        if !(style.gap.is_finite() && style.gap >= 0.0) {
            return Err(Error::Invalid(format!(
                "a gap of {} pixels: expected a finite width of 0 or more",
                style.gap
            )));
        }
        let cell = style.cell as f32;
        let margin = style.margin.min(4096) as f32;
        let (w, h) = Lattice::extent(grid);
        let (map_w, map_h) = ((w * cell).ceil(), (h * cell).ceil());
        let title_h = if style.title.is_some() {
            text_height() + 8.0
        } else {
            0.0
        };
        let title_w = style
            .title
            .as_ref()
            .map_or(0.0, |t| text_width(t.chars().count(), FontWeight::Bold));
        let width = 2.0 * margin + (map_w + panel.0).max(title_w);
        let height = 2.0 * margin + title_h + map_h.max(panel.1);
        if f64::from(width) * f64::from(height) > MAX_PIXELS as f64 {
            return Err(Error::Invalid(format!(
                "a picture of {width} x {height} pixels for a {rows} x {cols} map: expected at \
                 most {MAX_PIXELS} pixels (use smaller cells)"
            )));
        }
        let (width, height) = (width as u32, height as u32);
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            pixels.extend_from_slice(&style.background);
        }
        let lattice = Lattice {
            grid: *grid,
            cell,
            x0: margin,
            y0: margin + title_h,
        };
        let mut pic = Picture {
            width,
            height,
            pixels,
            lattice,
            units,
            style: style.clone(),
            placed: Vec::new(),
        };
        if let Some(title) = &style.title {
            let x = margin;
            pic.draw_text(x, margin, title, FontWeight::Bold, [20, 20, 20]);
        }
        Ok(pic)
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGB pixels, row after row from the top, 3 bytes each.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The colour of the pixel at column `x`, row `y`, or `None` outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]])
    }

    /// The centre of unit `k`'s cell, in pixels from the top left corner (`None` if there is
    /// no unit `k`). The pixel `(x as u32, y as u32)` lies inside the cell.
    pub fn unit_centre(&self, k: usize) -> Option<(f32, f32)> {
        (k < self.units).then(|| self.lattice.centre(k))
    }

    /// Draws a disc on each unit with area proportional to its count (the largest count
    /// fills most of the cell; 0 draws nothing): white with a dark rim, visible on any
    /// picture, e.g. hits on a U-matrix.
    ///
    /// # Errors
    /// [`Error::Invalid`] unless there is one count per unit.
    pub fn hits(&mut self, counts: &[u64]) -> Result<()> {
        check_len("counts", counts.len(), Some(self.units), &self.lattice.grid)?;
        self.discs(counts, [255, 255, 255], Some([30, 30, 30]));
        Ok(())
    }

    /// Writes `text` centred on unit `unit` in a white box, avoiding the labels already drawn.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such unit.
    pub fn label(&mut self, unit: usize, text: &str) -> Result<()> {
        self.labels(&[(unit, text)])
    }

    /// Writes each name at its unit, like the colour names of the "Self-Organizing Maps with
    /// TensorFlow" figure: black text in a translucent white box, readable on any colour.
    /// Names of the same unit share one box, one per line; a box that would cover one already
    /// drawn is moved up or down a little, and every box stays inside the picture.
    ///
    /// # Errors
    /// [`Error::Invalid`] if a unit does not exist (nothing is drawn then).
    pub fn labels(&mut self, labels: &[(usize, &str)]) -> Result<()> {
        if let Some(&(k, name)) = labels.iter().find(|(k, _)| *k >= self.units) {
            return Err(Error::Invalid(format!(
                "cannot label unit {k} ({name:?}) of a map of {} units",
                self.units
            )));
        }
        let mut groups: Vec<(usize, Vec<&str>)> = Vec::new();
        for &(k, name) in labels {
            match groups.iter_mut().find(|(u, _)| *u == k) {
                Some((_, names)) => names.push(name),
                None => groups.push((k, vec![name])),
            }
        }
        for (k, names) in groups {
            self.draw_label(k, &names);
        }
        Ok(())
    }

    /// Encodes the picture as PNG (8-bit RGB). `name` names the stream in errors.
    ///
    /// # Errors
    /// [`Error::Io`] if writing fails.
    pub fn write_png<W: Write>(&self, writer: W, name: &str) -> Result<()> {
        let mut writer = BufWriter::new(writer);
        let err = |e: png::EncodingError| match e {
            png::EncodingError::IoError(source) => Error::Io {
                file: name.to_string(),
                source,
            },
            other => Error::Invalid(format!("cannot encode {name} as PNG: {other}")),
        };
        let mut enc = png::Encoder::new(&mut writer, self.width, self.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&self.pixels).map_err(err)?;
        w.finish().map_err(err)?;
        writer.flush().map_err(|source| Error::Io {
            file: name.to_string(),
            source,
        })
    }

    /// Writes the picture as a PNG file at `path`, all or nothing
    /// ([`crate::io::write_atomic`]).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be created or written.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path, |file, name| self.write_png(file, name))
    }

    // ---- drawing ----

    /// Blends `colour` into pixel `(x, y)` with opacity `alpha` in `[0, 1]`.
    fn blend(&mut self, x: i64, y: i64, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        for (p, &c) in self.pixels[i..i + 3].iter_mut().zip(&colour) {
            let old = f32::from(*p);
            let new = old + (f32::from(c) - old) * alpha;
            *p = new.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// Paints every cell in its colour, anti-aliased, with the style's gaps.
    fn fill_cells(&mut self, colours: &[Rgb]) {
        let l = self.lattice;
        let (w, h) = Lattice::extent(&l.grid);
        let x_end = ((l.x0 + w * l.cell).ceil() as u32).min(self.width);
        let y_end = ((l.y0 + h * l.cell).ceil() as u32).min(self.height);
        let half_gap = self.style.gap / 2.0;
        let step = 1.0 / AA as f32;
        for y in l.y0.floor() as u32..y_end {
            for x in l.x0.floor() as u32..x_end {
                let i = (y as usize * self.width as usize + x as usize) * 3;
                // A pixel well inside a cell (its corners are within 0.71 of its centre) is
                // that cell's colour: only pixels on edges need subsamples.
                if let Some((k, edge)) = l.locate(x as f32 + 0.5, y as f32 + 0.5)
                    && edge >= half_gap + 0.75
                {
                    self.pixels[i..i + 3].copy_from_slice(&colours[k]);
                    continue;
                }
                let base = [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]];
                let mut sum = [0u32; 3];
                for sy in 0..AA {
                    for sx in 0..AA {
                        let px = x as f32 + (sx as f32 + 0.5) * step;
                        let py = y as f32 + (sy as f32 + 0.5) * step;
                        let c = match l.locate(px, py) {
                            Some((k, edge)) if edge >= half_gap => colours[k],
                            _ => base,
                        };
                        for (s, &c) in sum.iter_mut().zip(&c) {
                            *s += u32::from(c);
                        }
                    }
                }
                let n = (AA * AA) as u32;
                for (p, s) in self.pixels[i..i + 3].iter_mut().zip(sum) {
                    *p = ((s + n / 2) / n) as u8;
                }
            }
        }
    }

    /// Discs of area proportional to `counts`, filled, with an optional rim.
    fn discs(&mut self, counts: &[u64], fill: Rgb, rim: Option<Rgb>) {
        let max = counts.iter().copied().max().unwrap_or(0);
        if max == 0 {
            return;
        }
        let r_max = DISC * self.lattice.cell;
        for (k, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            // At least a visible dot for a single hit.
            let r = (r_max * (n as f64 / max as f64).sqrt() as f32).max(1.5);
            let (cx, cy) = self.lattice.centre(k);
            self.disc(cx, cy, r, fill, rim);
        }
    }

    /// One anti-aliased disc.
    fn disc(&mut self, cx: f32, cy: f32, r: f32, fill: Rgb, rim: Option<Rgb>) {
        let rim_width = if rim.is_some() { 1.2 } else { 0.0 };
        let step = 1.0 / AA as f32;
        let n = (AA * AA) as f32;
        for y in (cy - r - 1.0).floor() as i64..=(cy + r + 1.0).ceil() as i64 {
            for x in (cx - r - 1.0).floor() as i64..=(cx + r + 1.0).ceil() as i64 {
                let (mut inner, mut edge) = (0.0, 0.0);
                for sy in 0..AA {
                    for sx in 0..AA {
                        let dx = x as f32 + (sx as f32 + 0.5) * step - cx;
                        let dy = y as f32 + (sy as f32 + 0.5) * step - cy;
                        let d = (dx * dx + dy * dy).sqrt();
                        if d <= r - rim_width {
                            inner += 1.0;
                        } else if d <= r {
                            edge += 1.0;
                        }
                    }
                }
                if let Some(rim) = rim {
                    if edge > 0.0 {
                        self.blend(x, y, rim, edge / n);
                    }
                    if inner > 0.0 {
                        self.blend(x, y, fill, inner / (n - edge).max(1.0));
                    }
                } else if inner + edge > 0.0 {
                    self.blend(x, y, fill, (inner + edge) / n);
                }
            }
        }
    }

    /// A line of text with its top left corner at `(x, y)`, in `colour`.
    fn draw_text(&mut self, x: f32, y: f32, text: &str, weight: FontWeight, colour: Rgb) {
        let advance = get_raster_width(weight, TEXT_HEIGHT) as i64;
        let (x, y) = (x.round() as i64, y.round() as i64);
        for (i, ch) in text.chars().enumerate() {
            let glyph = get_raster(ch, weight, TEXT_HEIGHT)
                .or_else(|| get_raster('?', weight, TEXT_HEIGHT));
            let Some(glyph) = glyph else { continue };
            let gx = x + i as i64 * advance;
            for (row, line) in glyph.rows().enumerate() {
                for (col, &a) in line.iter().enumerate() {
                    if a > 0 {
                        self.blend(
                            gx + col as i64,
                            y + row as i64,
                            colour,
                            f32::from(a) / 255.0,
                        );
                    }
                }
            }
        }
    }

    /// A box of names (one per line) near unit `k`, clear of the boxes already drawn.
    fn draw_label(&mut self, k: usize, names: &[&str]) {
        const PAD_X: f32 = 4.0;
        const PAD_Y: f32 = 1.0;
        let weight = FontWeight::Bold;
        let chars = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let w = text_width(chars, weight) + 2.0 * PAD_X;
        let h = names.len() as f32 * text_height() + 2.0 * PAD_Y;
        let (cx, cy) = self.lattice.centre(k);
        let (pw, ph) = (self.width as f32, self.height as f32);
        let at = |dx: f32, dy: f32| Placed {
            x: (cx - w / 2.0 + dx).clamp(0.0, (pw - w).max(0.0)).round(),
            y: (cy - h / 2.0 + dy).clamp(0.0, (ph - h).max(0.0)).round(),
            w,
            h,
        };
        // Try the centre, then small steps down and up, then sideways; take the first place
        // that covers no other label, or else the least covering one.
        let s = text_height() / 2.0;
        let mut best = at(0.0, 0.0);
        let mut best_overlap = f32::INFINITY;
        'search: for (dx, dy) in (0..=8)
            .map(|i| {
                (
                    0.0,
                    if i % 2 == 1 { 1.0 } else { -1.0 } * ((i + 1) / 2) as f32 * s,
                )
            })
            .chain([-1.0, 1.0].map(|side| (side * (w / 2.0 + s), 0.0)))
        {
            let p = at(dx, dy);
            let overlap: f32 = self.placed.iter().map(|q| p.overlap(q)).sum();
            if overlap < best_overlap {
                best = p;
                best_overlap = overlap;
                if overlap == 0.0 {
                    break 'search;
                }
            }
        }
        let p = best;
        for y in p.y as i64..(p.y + p.h) as i64 {
            for x in p.x as i64..(p.x + p.w) as i64 {
                self.blend(x, y, [255, 255, 255], 0.72);
            }
        }
        for (i, name) in names.iter().enumerate() {
            let tw = text_width(name.chars().count(), weight);
            let tx = p.x + (p.w - tw) / 2.0;
            let ty = p.y + PAD_Y + i as f32 * text_height();
            self.draw_text(tx, ty, name, weight, [0, 0, 0]);
        }
        self.placed.push(p);
    }

    /// The colour bar right of the map: the scale from `lo` (bottom) to `hi` (top).
    fn draw_colour_bar(&mut self, lo: f32, hi: f32) {
        let l = self.lattice;
        let (w, h) = Lattice::extent(&l.grid);
        let x0 = (l.x0 + w * l.cell + BAR_GAP).round() as i64;
        let y0 = l.y0.round() as i64;
        let bar_h = ((h * l.cell).round() as i64).max(2 * TEXT_HEIGHT.val() as i64);
        let bw = BAR_WIDTH as i64;
        for y in 0..bar_h {
            let t = 1.0 - y as f32 / (bar_h - 1).max(1) as f32;
            let c = if hi > lo {
                self.style.palette.colour(t)
            } else {
                self.style.palette.colour(0.5)
            };
            for x in 0..bw {
                self.blend(x0 + x, y0 + y, c, 1.0);
            }
        }
        // A thin frame keeps a white end of the scale visible on a white background.
        let frame = [120, 120, 120];
        for x in -1..=bw {
            self.blend(x0 + x, y0 - 1, frame, 1.0);
            self.blend(x0 + x, y0 + bar_h, frame, 1.0);
        }
        for y in -1..=bar_h {
            self.blend(x0 - 1, y0 + y, frame, 1.0);
            self.blend(x0 + bw, y0 + y, frame, 1.0);
        }
        let tx = (x0 + bw) as f32 + BAR_LABEL_GAP;
        let ink = [40, 40, 40];
        self.draw_text(tx, y0 as f32 - 2.0, &short(hi), FontWeight::Regular, ink);
        if hi > lo {
            let ty = (y0 + bar_h) as f32 - text_height() + 2.0;
            self.draw_text(tx, ty, &short(lo), FontWeight::Regular, ink);
        }
    }
}

/// Pixels of a history plot.
const PLOT_W: u32 = 760;
const PLOT_PANEL_H: f32 = 210.0;

/// A training history ([`crate::watch::Record`]s, as `som train --history` writes them) as a
/// picture: the quantization error above, the topographic error below, each against the
/// epoch, with ticks and values on both axes. The style's title goes on top (default
/// "Training history").
///
/// # Errors
/// No records.
pub fn history(records: &[crate::watch::Record], style: &Style) -> Result<Picture> {
    if records.is_empty() {
        return Err(Error::Invalid(
            "a history of no records: expected at least one line after the header".into(),
        ));
    }
    let margin = style.margin.min(64) as f32;
    let title_h = text_height() + 10.0;
    let gap = 2.0 * text_height() + 16.0;
    let height = 2.0 * margin + title_h + 2.0 * PLOT_PANEL_H + gap + 2.0 * text_height() + 12.0;
    let width = PLOT_W + 2 * margin as u32;
    let (width, height) = (width, height.ceil() as u32);
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for _ in 0..width as usize * height as usize {
        pixels.extend_from_slice(&style.background);
    }
    let mut pic = Picture {
        width,
        height,
        pixels,
        lattice: Lattice {
            grid: Grid::new(1, 1)?,
            cell: 1.0,
            x0: 0.0,
            y0: 0.0,
        },
        units: 0,
        style: style.clone(),
        placed: Vec::new(),
    };
    let title = style.title.as_deref().unwrap_or("Training history");
    pic.draw_text(margin, margin, title, FontWeight::Bold, [20, 20, 20]);
    let epochs: Vec<f32> = records.iter().map(|r| r.epoch as f32).collect();
    let panels: [(&str, Vec<f32>, Rgb); 2] = [
        (
            "quantization error",
            records.iter().map(|r| r.quantization_error).collect(),
            [31, 119, 180],
        ),
        (
            "topographic error",
            records.iter().map(|r| r.topographic_error).collect(),
            [214, 39, 40],
        ),
    ];
    // Room left of the axes for the values of the ticks.
    let left = margin + text_width(8, FontWeight::Regular) + 10.0;
    let right = width as f32 - margin - 8.0;
    let mut top = margin + title_h + text_height() + 4.0;
    for (name, values, colour) in panels {
        pic.plot_panel(
            (left, top, right, top + PLOT_PANEL_H - text_height() - 4.0),
            &epochs,
            &values,
            name,
            colour,
        );
        top += PLOT_PANEL_H + gap - text_height() - 4.0 + text_height() + 4.0;
    }
    Ok(pic)
}

/// Ticks for the range `[lo, hi]`: about five at 1, 2 or 5 times a power of ten.
fn nice_ticks(lo: f32, hi: f32) -> Vec<f32> {
    let span = (hi - lo).max(f32::EPSILON * hi.abs().max(1.0));
    let raw = span / 5.0;
    let power = 10f32.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-4).floor() as i64;
    (first..=last.max(first)).map(|i| i as f32 * step).collect()
}

impl Picture {
    /// One panel of a history plot in the box `(x0, y0, x1, y1)` (the axes' corners): a frame,
    /// ticks with values, the series as a line with dots, its name above.
    fn plot_panel(
        &mut self,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        xs: &[f32],
        ys: &[f32],
        name: &str,
        colour: Rgb,
    ) {
        let ink = [40, 40, 40];
        let grid = [225, 225, 225];
        let (xmin, xmax) = (0.0f32, xs.iter().copied().fold(f32::MIN, f32::max).max(1.0));
        let (mut ymin, mut ymax) = ys
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        // Start the axis at 0 unless the values sit far above it.
        if ymin >= 0.0 && ymin < 0.5 * ymax {
            ymin = 0.0;
        }
        if ymax - ymin <= f32::EPSILON * ymax.abs().max(1.0) {
            ymax = ymin + ymin.abs().max(1.0) * 0.1;
            ymin -= ymin.abs() * 0.1;
        }
        let pad = (ymax - ymin) * 0.05;
        let (ylo, yhi) = (if ymin == 0.0 { 0.0 } else { ymin - pad }, ymax + pad);
        let px = |x: f32| x0 + (x - xmin) / (xmax - xmin) * (x1 - x0);
        let py = |y: f32| y1 - (y - ylo) / (yhi - ylo) * (y1 - y0);
        let th = text_height();
        self.draw_text(x0, y0 - th - 4.0, name, FontWeight::Bold, colour);
        for t in nice_ticks(ylo, yhi) {
            let y = py(t);
            self.hline(x0, x1, y, grid);
            self.hline(x0 - 5.0, x0, y, ink);
            let label = short(t);
            let w = text_width(label.chars().count(), FontWeight::Regular);
            self.draw_text(x0 - 8.0 - w, y - th / 2.0, &label, FontWeight::Regular, ink);
        }
        for t in nice_ticks(xmin, xmax) {
            let x = px(t);
            self.vline(x, y0, y1, grid);
            self.vline(x, y1, y1 + 5.0, ink);
            let label = short(t);
            let w = text_width(label.chars().count(), FontWeight::Regular);
            self.draw_text(x - w / 2.0, y1 + 7.0, &label, FontWeight::Regular, ink);
        }
        let label = "epoch";
        let w = text_width(label.len(), FontWeight::Regular);
        self.draw_text(x1 - w, y1 + 7.0 + th, label, FontWeight::Regular, ink);
        // The frame.
        self.hline(x0, x1, y0, ink);
        self.hline(x0, x1, y1, ink);
        self.vline(x0, y0, y1, ink);
        self.vline(x1, y0, y1, ink);
        let points: Vec<(f32, f32)> = xs.iter().zip(ys).map(|(&x, &y)| (px(x), py(y))).collect();
        for w in points.windows(2) {
            self.segment(w[0], w[1], colour);
        }
        if points.len() <= 60 {
            for &(x, y) in &points {
                self.dot(x, y, 3.0, colour);
            }
        } else if let Some(&(x, y)) = points.first() {
            self.dot(x, y, 2.0, colour);
        }
    }

    fn hline(&mut self, x0: f32, x1: f32, y: f32, c: Rgb) {
        let y = y.round() as i64;
        for x in x0.round() as i64..=x1.round() as i64 {
            self.blend(x, y, c, 1.0);
        }
    }

    fn vline(&mut self, x: f32, y0: f32, y1: f32, c: Rgb) {
        let x = x.round() as i64;
        for y in y0.round() as i64..=y1.round() as i64 {
            self.blend(x, y, c, 1.0);
        }
    }

    /// A line two pixels wide from `a` to `b`, anti-aliased by its distance to each pixel.
    fn segment(&mut self, a: (f32, f32), b: (f32, f32), c: Rgb) {
        const HALF: f32 = 1.1;
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = (dx * dx + dy * dy).max(1e-12);
        let (xa, xb) = (a.0.min(b.0) - 2.0, a.0.max(b.0) + 2.0);
        let (ya, yb) = (a.1.min(b.1) - 2.0, a.1.max(b.1) + 2.0);
        for y in ya.floor() as i64..=yb.ceil() as i64 {
            for x in xa.floor() as i64..=xb.ceil() as i64 {
                let (qx, qy) = (x as f32 + 0.5, y as f32 + 0.5);
                let t = (((qx - a.0) * dx + (qy - a.1) * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (a.0 + t * dx - qx, a.1 + t * dy - qy);
                let d = (ex * ex + ey * ey).sqrt();
                let alpha = (HALF + 0.5 - d).clamp(0.0, 1.0);
                if alpha > 0.0 {
                    self.blend(x, y, c, alpha);
                }
            }
        }
    }

    fn dot(&mut self, cx: f32, cy: f32, r: f32, c: Rgb) {
        for y in (cy - r - 1.0).floor() as i64..=(cy + r + 1.0).ceil() as i64 {
            for x in (cx - r - 1.0).floor() as i64..=(cx + r + 1.0).ceil() as i64 {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                let alpha = (r + 0.5 - d).clamp(0.0, 1.0);
                if alpha > 0.0 {
                    self.blend(x, y, c, alpha);
                }
            }
        }
    }
}
