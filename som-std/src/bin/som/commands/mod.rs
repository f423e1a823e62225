//! One module per command, each with its `run`: what the command's flags mean and what it
//! does with them. What several commands share, the pictures' checks and sizes, is here.

pub mod export;
pub mod hits;
pub mod impute;
pub mod map;
pub mod planes;
pub mod plot_history;
pub mod quality;
pub mod train;
pub mod umatrix;

use crate::progress::stage;
use som_std::Error;
use som_std::picture::Picture;
use std::path::Path;

/// Checks that `out` (given with `flag`) names a PNG file, before drawing it (whether it can
/// be written is checked with every output: `Files::check_outputs`).
fn check_picture(flag: &str, out: &Path) -> Result<(), Error> {
    let png = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if png {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "{flag} {}: expected a file name ending in .png",
        out.display()
    )))
}

/// A map picture drawn with `cell` pixels per unit (--cell), or without it the largest of
/// the usual cells that keeps the picture in bounds.
fn draw_map(
    cell: Option<u32>,
    draw: impl Fn(u32) -> Result<Picture, Error>,
) -> Result<Picture, Error> {
    stage("drawing", || match cell {
        Some(cell) => draw(cell).map_err(|e| Error::Invalid(format!("--cell {cell}: {e}"))),
        None => [28, 20, 14, 10, 7, 5, 4]
            .into_iter()
            .map(&draw)
            .find(|p| p.is_ok())
            .unwrap_or_else(|| draw(4)),
    })
}

/// Writes a picture as PNG.
fn save(picture: &Picture, out: &Path) -> Result<(), Error> {
    stage(&format!("writing {}", out.display()), || {
        picture.save_png(out)
    })
}
