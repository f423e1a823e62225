//! The rasteriser: an RGB pixel buffer, colours and colour scales, anti-aliased drawing
//! primitives (rectangles, lines, discs, text) and PNG encoding. It knows nothing of maps.

use crate::error::{Error, Result};
use noto_sans_mono_bitmap::{FontWeight, RasterHeight, get_raster, get_raster_width};
use std::io::{BufWriter, Write};
use std::ops::Range;

/// A colour, red, green and blue from 0 to 255.
pub type Rgb = [u8; 3];

/// Colour of most text: axis values, colour bar and legend labels.
pub(super) const INK: Rgb = [40, 40, 40];

/// Colour of titles.
const TITLE_INK: Rgb = [20, 20, 20];

/// Subsamples per pixel side for anti-aliasing (4 x 4 per pixel).
const AA: usize = 4;

/// Subsamples per pixel.
pub(super) const SUBSAMPLES: usize = AA * AA;

/// Height of a line of text in pixels.
const TEXT_HEIGHT: RasterHeight = RasterHeight::Size16;

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

/// The points at which pixel `(x, y)` is sampled for anti-aliasing: a 4 x 4 grid of
/// [`SUBSAMPLES`] points, row by row.
pub(super) fn subsamples(x: f32, y: f32) -> impl Iterator<Item = (f32, f32)> {
    let step = 1.0 / AA as f32;
    (0..AA).flat_map(move |sy| {
        (0..AA).map(move |sx| (x + (sx as f32 + 0.5) * step, y + (sy as f32 + 0.5) * step))
    })
}

/// Width in pixels of a text line of `chars` characters.
pub(super) fn text_width(chars: usize, weight: FontWeight) -> f32 {
    (chars * get_raster_width(weight, TEXT_HEIGHT)) as f32
}

/// Pixels of a text line's height.
pub(super) fn text_height() -> f32 {
    TEXT_HEIGHT.val() as f32
}

/// A value as text for a scale (colour bar, axis): four significant digits, no trailing
/// zeros.
pub(super) fn short(v: f32) -> String {
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

/// An RGB picture being drawn: `width x height` pixels, row after row from the top, 3 bytes
/// each. Drawing outside it is clipped.
#[derive(Debug, Clone)]
pub(super) struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas of `width x height` pixels, all `background`.
    pub(super) fn new(width: u32, height: u32, background: Rgb) -> Canvas {
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            pixels.extend_from_slice(&background);
        }
        Canvas {
            width,
            height,
            pixels,
        }
    }

    /// Width in pixels.
    pub(super) fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub(super) fn height(&self) -> u32 {
        self.height
    }

    /// The RGB pixels, row after row from the top, 3 bytes each.
    pub(super) fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Index of pixel `(x, y)`'s red byte, or `None` outside the canvas.
    fn index(&self, x: i64, y: i64) -> Option<usize> {
        let inside = x >= 0 && y >= 0 && x < i64::from(self.width) && y < i64::from(self.height);
        inside.then(|| (y as usize * self.width as usize + x as usize) * 3)
    }

    /// The colour of pixel `(x, y)`, or `None` outside the canvas.
    pub(super) fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        let i = self.index(x.into(), y.into())?;
        Some([self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]])
    }

    /// Sets pixel `(x, y)` to `colour` (nothing outside the canvas).
    pub(super) fn set(&mut self, x: u32, y: u32, colour: Rgb) {
        if let Some(i) = self.index(x.into(), y.into()) {
            self.pixels[i..i + 3].copy_from_slice(&colour);
        }
    }

    /// Blends `colour` into pixel `(x, y)` with opacity `alpha` in `[0, 1]`.
    pub(super) fn blend(&mut self, x: i64, y: i64, colour: Rgb, alpha: f32) {
        let Some(i) = self.index(x, y) else { return };
        for (p, &c) in self.pixels[i..i + 3].iter_mut().zip(&colour) {
            let old = f32::from(*p);
            let new = old + (f32::from(c) - old) * alpha;
            *p = new.round().clamp(0.0, 255.0) as u8;
        }
    }

    /// Blends `colour` with opacity `alpha` into the pixels of columns `xs` and rows `ys`.
    pub(super) fn fill(&mut self, xs: Range<i64>, ys: Range<i64>, colour: Rgb, alpha: f32) {
        for y in ys {
            for x in xs.clone() {
                self.blend(x, y, colour, alpha);
            }
        }
    }

    /// A horizontal line one pixel wide, from `x0` to `x1` inclusive, rounded to pixels.
    pub(super) fn hline(&mut self, x0: f32, x1: f32, y: f32, colour: Rgb) {
        let y = y.round() as i64;
        self.fill(
            x0.round() as i64..x1.round() as i64 + 1,
            y..y + 1,
            colour,
            1.0,
        );
    }

    /// A vertical line one pixel wide, from `y0` to `y1` inclusive, rounded to pixels.
    pub(super) fn vline(&mut self, x: f32, y0: f32, y1: f32, colour: Rgb) {
        let x = x.round() as i64;
        self.fill(
            x..x + 1,
            y0.round() as i64..y1.round() as i64 + 1,
            colour,
            1.0,
        );
    }

    /// A line `2 * half` pixels wide from `a` to `b` with round ends, anti-aliased by its
    /// distance to each pixel's centre; from `a` to `a` it is a dot of radius `half`.
    pub(super) fn line(&mut self, a: (f32, f32), b: (f32, f32), half: f32, colour: Rgb) {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = (dx * dx + dy * dy).max(1e-12);
        // Pixels farther than `half + 0.5` from the line get nothing.
        let reach = half + 1.0;
        let (xa, xb) = (a.0.min(b.0) - reach, a.0.max(b.0) + reach);
        let (ya, yb) = (a.1.min(b.1) - reach, a.1.max(b.1) + reach);
        for y in ya.floor() as i64..=yb.ceil() as i64 {
            for x in xa.floor() as i64..=xb.ceil() as i64 {
                let (qx, qy) = (x as f32 + 0.5, y as f32 + 0.5);
                let t = (((qx - a.0) * dx + (qy - a.1) * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (a.0 + t * dx - qx, a.1 + t * dy - qy);
                let d = (ex * ex + ey * ey).sqrt();
                let alpha = (half + 0.5 - d).clamp(0.0, 1.0);
                if alpha > 0.0 {
                    self.blend(x, y, colour, alpha);
                }
            }
        }
    }

    /// A disc of radius `r` centred at `(cx, cy)`, anti-aliased by subsampling, filled, with
    /// an optional rim 1.2 pixels wide.
    pub(super) fn disc(&mut self, cx: f32, cy: f32, r: f32, fill: Rgb, rim: Option<Rgb>) {
        let rim_width = if rim.is_some() { 1.2 } else { 0.0 };
        let n = SUBSAMPLES as f32;
        for y in (cy - r - 1.0).floor() as i64..=(cy + r + 1.0).ceil() as i64 {
            for x in (cx - r - 1.0).floor() as i64..=(cx + r + 1.0).ceil() as i64 {
                let (mut inner, mut edge) = (0.0, 0.0);
                for (px, py) in subsamples(x as f32, y as f32) {
                    let (dx, dy) = (px - cx, py - cy);
                    let d = (dx * dx + dy * dy).sqrt();
                    if d <= r - rim_width {
                        inner += 1.0;
                    } else if d <= r {
                        edge += 1.0;
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

    /// A line of text with its top left corner at `(x, y)`, in `colour`; characters the font
    /// lacks are drawn as `?`.
    pub(super) fn text(&mut self, x: f32, y: f32, text: &str, weight: FontWeight, colour: Rgb) {
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

    /// A title in bold at the top left corner, `margin` pixels from both edges.
    pub(super) fn title(&mut self, margin: f32, title: &str) {
        self.text(margin, margin, title, FontWeight::Bold, TITLE_INK);
    }

    /// Encodes the canvas as PNG (8-bit RGB). `name` names the stream in errors.
    ///
    /// # Errors
    /// [`Error::Io`] if writing fails.
    pub(super) fn write_png<W: Write>(&self, writer: W, name: &str) -> Result<()> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(-0.0), "0");
        assert_eq!(short(1.0), "1");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(2.0e6), "2.00e6");
    }

    #[test]
    fn drawing_is_clipped() {
        let mut c = Canvas::new(3, 2, [1, 2, 3]);
        c.blend(-1, 0, [9, 9, 9], 1.0);
        c.blend(3, 1, [9, 9, 9], 1.0);
        c.set(3, 0, [9, 9, 9]);
        c.disc(1.5, 1.0, 4.0, [9, 9, 9], None);
        assert_eq!(c.pixels().len(), 18);
        assert!(c.pixels().chunks(3).all(|p| p == [9, 9, 9]));
        assert_eq!(c.pixel(3, 0), None);
    }
}
