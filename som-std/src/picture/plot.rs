//! The line chart of a training history: the quantization and topographic errors against the
//! epoch, one panel each.

use super::canvas::{Canvas, INK, Rgb, short, text_height, text_width};
use super::lattice::Lattice;
use super::{Picture, Style};
use crate::error::{Error, Result};
use crate::watch::Record;
use noto_sans_mono_bitmap::FontWeight;
use som_kernel::Grid;

/// Pixels of a history plot.
const PLOT_W: u32 = 760;
const PLOT_PANEL_H: f32 = 210.0;

/// A training history ([`Record`]s, as `som train --history` writes them) as a picture: the
/// quantization error above, the topographic error below, each against the epoch, with ticks
/// and values on both axes. The style's title goes on top (default "Training history").
///
/// # Errors
/// No records.
pub fn history(records: &[Record], style: &Style) -> Result<Picture> {
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
    let mut canvas = Canvas::new(width, height.ceil() as u32, style.background);
    canvas.title(margin, style.title.as_deref().unwrap_or("Training history"));
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
        panel(
            &mut canvas,
            (left, top, right, top + PLOT_PANEL_H - text_height() - 4.0),
            &epochs,
            &values,
            name,
            colour,
        );
        top += PLOT_PANEL_H + gap - text_height() - 4.0 + text_height() + 4.0;
    }
    // A chart has no units: nothing to label, no hits to draw.
    Ok(Picture {
        canvas,
        lattice: Lattice {
            grid: Grid::new(1, 1)?,
            cell: 1.0,
            x0: 0.0,
            y0: 0.0,
        },
        units: 0,
        style: style.clone(),
        placed: Vec::new(),
    })
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

/// One panel of a history plot in the box `(x0, y0, x1, y1)` (the axes' corners): a frame,
/// ticks with values, the series as a line with dots, its name above.
fn panel(
    canvas: &mut Canvas,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    xs: &[f32],
    ys: &[f32],
    name: &str,
    colour: Rgb,
) {
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
    let regular = FontWeight::Regular;
    canvas.text(x0, y0 - th - 4.0, name, FontWeight::Bold, colour);
    for t in nice_ticks(ylo, yhi) {
        let y = py(t);
        canvas.hline(x0, x1, y, grid);
        canvas.hline(x0 - 5.0, x0, y, INK);
        let label = short(t);
        let w = text_width(label.chars().count(), regular);
        canvas.text(x0 - 8.0 - w, y - th / 2.0, &label, regular, INK);
    }
    for t in nice_ticks(xmin, xmax) {
        let x = px(t);
        canvas.vline(x, y0, y1, grid);
        canvas.vline(x, y1, y1 + 5.0, INK);
        let label = short(t);
        let w = text_width(label.chars().count(), regular);
        canvas.text(x - w / 2.0, y1 + 7.0, &label, regular, INK);
    }
    let label = "epoch";
    let w = text_width(label.len(), regular);
    canvas.text(x1 - w, y1 + 7.0 + th, label, regular, INK);
    // The frame.
    canvas.hline(x0, x1, y0, INK);
    canvas.hline(x0, x1, y1, INK);
    canvas.vline(x0, y0, y1, INK);
    canvas.vline(x1, y0, y1, INK);
    // The series: a line 2.2 pixels wide, with a dot at each point unless they crowd.
    let points: Vec<(f32, f32)> = xs.iter().zip(ys).map(|(&x, &y)| (px(x), py(y))).collect();
    for w in points.windows(2) {
        canvas.line(w[0], w[1], 1.1, colour);
    }
    if points.len() <= 60 {
        for &p in &points {
            canvas.line(p, p, 3.0, colour);
        }
    } else if let Some(&p) = points.first() {
        canvas.line(p, p, 2.0, colour);
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ticks;

    #[test]
    fn ticks_at_round_steps() {
        assert_eq!(nice_ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(-5.0, 95.0), [0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(0.0, 3.0), [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
    }
}
