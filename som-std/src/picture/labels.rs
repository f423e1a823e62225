//! Names at units: boxes of text on a map picture, each moved a little where it would cover
//! one already drawn.

use super::Picture;
use super::canvas::{text_height, text_width};
use crate::error::{Error, Result};
use noto_sans_mono_bitmap::FontWeight;

/// A box of text already drawn, so that later labels keep clear of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Placed {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Placed {
    /// Area covered by both boxes, in square pixels.
    fn overlap(&self, o: &Placed) -> f32 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w.max(0.0) * h.max(0.0)
    }
}

impl Picture {
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

    /// A box of names (one per line) near unit `k`, clear of the boxes already drawn.
    fn draw_label(&mut self, k: usize, names: &[&str]) {
        const PAD_X: f32 = 4.0;
        const PAD_Y: f32 = 1.0;
        let weight = FontWeight::Bold;
        let chars = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let w = text_width(chars, weight) + 2.0 * PAD_X;
        let h = names.len() as f32 * text_height() + 2.0 * PAD_Y;
        let (cx, cy) = self.lattice.centre(k);
        let (pw, ph) = (self.canvas.width() as f32, self.canvas.height() as f32);
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
        let (xs, ys) = (
            p.x as i64..(p.x + p.w) as i64,
            p.y as i64..(p.y + p.h) as i64,
        );
        self.canvas.fill(xs, ys, [255, 255, 255], 0.72);
        for (i, name) in names.iter().enumerate() {
            let tw = text_width(name.chars().count(), weight);
            let tx = p.x + (p.w - tw) / 2.0;
            let ty = p.y + PAD_Y + i as f32 * text_height();
            self.canvas.text(tx, ty, name, weight, [0, 0, 0]);
        }
        self.placed.push(p);
    }
}
