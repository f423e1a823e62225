//! The map pictures: one cell per unit, coloured by a value (U-matrix, component plane, any
//! value), by a colour (a codebook of colours) or carrying a disc per count (hit map), with a
//! colour bar or legend right of the map.

use super::canvas::{Canvas, INK, Rgb, SUBSAMPLES, short, subsamples, text_height, text_width};
use super::lattice::Lattice;
use super::{MAX_PIXELS, Picture, Style};
use crate::error::{Error, Result};
use noto_sans_mono_bitmap::FontWeight;
use som_kernel::Grid;

/// Colour of a unit without a finite value.
const NO_VALUE: Rgb = [214, 214, 214];

/// Colour of the cells of a hit map.
const HIT_CELL: Rgb = [236, 236, 236];

/// Radius of the largest disc of a hit map, in cells: nearly touching the cell's sides.
const DISC: f32 = 0.46;

/// Colour of the discs of a hit map.
const HIT_DISC: Rgb = [52, 74, 110];

/// Width of the colour bar and its labels right of the map, in pixels.
const BAR_GAP: f32 = 14.0;
const BAR_WIDTH: f32 = 14.0;
const BAR_LABEL_GAP: f32 = 6.0;

/// The U-matrix: each unit coloured by its value (typically the mean distance of its weights
/// to its neighbours'), on the style's colour scale from the smallest value to the largest.
/// With [`Palette::Greys`](super::Palette::Greys) clusters are light and the borders between
/// them dark.
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
        (panel_width(BAR_WIDTH, chars), 2.0 * text_height())
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
        (panel_width(d, label.len()), d.max(text_height()))
    } else {
        (0.0, 0.0)
    };
    let mut pic = Picture::blank(grid, style, panel)?;
    pic.fill_cells(&vec![HIT_CELL; units]);
    pic.discs(counts, HIT_DISC, None);
    if legend {
        let l = pic.lattice;
        let x = pic.panel_x();
        let cy = l.y0 + l.cell / 2.0;
        pic.canvas
            .disc(x + l.cell / 2.0, cy, DISC * l.cell, HIT_DISC, None);
        let tx = x + l.cell + BAR_LABEL_GAP;
        pic.canvas.text(
            tx,
            cy - text_height() / 2.0,
            &label,
            FontWeight::Regular,
            INK,
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

/// Width in pixels of the panel right of the map: a key `key` pixels wide (a colour bar, a
/// disc) and a label of `chars` characters beside it.
fn panel_width(key: f32, chars: usize) -> f32 {
    BAR_GAP + key + BAR_LABEL_GAP + text_width(chars, FontWeight::Regular)
}

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
        let margin = style.margin.min(4096) as f32;
        let title_h = if style.title.is_some() {
            text_height() + 8.0
        } else {
            0.0
        };
        let lattice = Lattice {
            grid: *grid,
            cell: style.cell as f32,
            x0: margin,
            y0: margin + title_h,
        };
        let (map_w, map_h) = lattice.size();
        let (map_w, map_h) = (map_w.ceil(), map_h.ceil());
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
        let mut canvas = Canvas::new(width as u32, height as u32, style.background);
        if let Some(title) = &style.title {
            canvas.title(margin, title);
        }
        Ok(Picture {
            canvas,
            lattice,
            units,
            style: style.clone(),
            placed: Vec::new(),
        })
    }

    /// Left edge of the panel right of the map (colour bar or legend), in pixels.
    fn panel_x(&self) -> f32 {
        let l = self.lattice;
        l.x0 + l.size().0 + BAR_GAP
    }

    /// Paints every cell in its colour, anti-aliased, with the style's gaps.
    fn fill_cells(&mut self, colours: &[Rgb]) {
        let l = self.lattice;
        let (w, h) = l.size();
        let x_end = ((l.x0 + w).ceil() as u32).min(self.canvas.width());
        let y_end = ((l.y0 + h).ceil() as u32).min(self.canvas.height());
        let half_gap = self.style.gap / 2.0;
        for y in l.y0.floor() as u32..y_end {
            for x in l.x0.floor() as u32..x_end {
                // A pixel well inside a cell (its corners are within 0.71 of its centre) is
                // that cell's colour: only pixels on edges need subsamples.
                if let Some((k, edge)) = l.locate(x as f32 + 0.5, y as f32 + 0.5)
                    && edge >= half_gap + 0.75
                {
                    self.canvas.set(x, y, colours[k]);
                    continue;
                }
                let Some(base) = self.canvas.pixel(x, y) else {
                    continue;
                };
                let mut sum = [0u32; 3];
                for (px, py) in subsamples(x as f32, y as f32) {
                    let c = match l.locate(px, py) {
                        Some((k, edge)) if edge >= half_gap => colours[k],
                        _ => base,
                    };
                    for (s, &c) in sum.iter_mut().zip(&c) {
                        *s += u32::from(c);
                    }
                }
                let n = SUBSAMPLES as u32;
                self.canvas.set(x, y, sum.map(|s| ((s + n / 2) / n) as u8));
            }
        }
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
            self.canvas.disc(cx, cy, r, fill, rim);
        }
    }

    /// The colour bar right of the map: the scale from `lo` (bottom) to `hi` (top).
    fn draw_colour_bar(&mut self, lo: f32, hi: f32) {
        let l = self.lattice;
        let x0 = self.panel_x().round() as i64;
        let y0 = l.y0.round() as i64;
        let bar_h = (l.size().1.round() as i64).max(2 * text_height() as i64);
        let bw = BAR_WIDTH as i64;
        for y in 0..bar_h {
            let t = 1.0 - y as f32 / (bar_h - 1).max(1) as f32;
            let c = if hi > lo {
                self.style.palette.colour(t)
            } else {
                self.style.palette.colour(0.5)
            };
            self.canvas.fill(x0..x0 + bw, y0 + y..y0 + y + 1, c, 1.0);
        }
        // A thin frame keeps a white end of the scale visible on a white background.
        let frame = [120, 120, 120];
        let (xs, ys) = (x0 - 1..x0 + bw + 1, y0 - 1..y0 + bar_h + 1);
        for y in [y0 - 1, y0 + bar_h] {
            self.canvas.fill(xs.clone(), y..y + 1, frame, 1.0);
        }
        for x in [x0 - 1, x0 + bw] {
            self.canvas.fill(x..x + 1, ys.clone(), frame, 1.0);
        }
        let tx = (x0 + bw) as f32 + BAR_LABEL_GAP;
        let weight = FontWeight::Regular;
        self.canvas
            .text(tx, y0 as f32 - 2.0, &short(hi), weight, INK);
        if hi > lo {
            let ty = (y0 + bar_h) as f32 - text_height() + 2.0;
            self.canvas.text(tx, ty, &short(lo), weight, INK);
        }
    }
}
