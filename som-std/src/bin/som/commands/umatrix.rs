//! `som umatrix`: the U-matrix as a PNG, clusters light and the borders between them dark.

use super::{check_picture, draw_map, save};
use crate::data;
use crate::flags::Umatrix;
use som_std::Error;
use som_std::picture::{self, Palette, Style};

pub fn run(args: Umatrix) -> Result<(), Error> {
    let som = data::codebook(&args.codebook)?;
    check_picture("--out", &args.out)?;
    let umatrix = som.umatrix();
    let picture = draw_map(args.cell.cell, |cell| {
        let style = Style {
            palette: Palette::Greys,
            title: Some("U-matrix".into()),
            cell,
            ..Style::default()
        };
        picture::umatrix(som.grid(), &umatrix, &style)
    })?;
    save(&picture, &args.out)
}
