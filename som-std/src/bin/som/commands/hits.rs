//! `som hits`: how many samples each unit wins, as `row col hits` lines or (--png) a hit map
//! with each unit's label on it.

use super::{check_picture, draw_map, save};
use crate::data;
use crate::flags::Hits;
use crate::progress::stage;
use crate::stdout::Stdout;
use crate::world::World;
use som_std::picture::{self, Picture, Style};
use som_std::{Error, Som};

pub fn run(world: &World, args: Hits, out: &mut Stdout) -> Result<(), Error> {
    if let Some(png) = &args.png {
        world.lead(|| check_picture("--png", png))?;
    }
    let (som, data) = data::load_part(world, &args.input)?;
    let hits = stage("counting hits", || som.hits(&*world.source(&data.rows()?)))?;
    match &args.png {
        Some(png) => world.lead(|| {
            let picture = draw_map(args.cell.cell, |cell| draw(&som, &hits, cell))?;
            save(&picture, png)
        }),
        None if world.leads() => {
            for (k, h) in hits.iter().enumerate() {
                let (r, c) = som.grid().row_col(k);
                out.line(format_args!("{r} {c} {h}"))?;
            }
            Ok(())
        }
        None => Ok(()),
    }
}

/// The hit map, each unit that wins a sample labelled with its majority label when the map
/// has labels (units that win none carry a neighbour's label: left out).
fn draw(som: &Som, hits: &[u64], cell: u32) -> Result<Picture, Error> {
    let style = Style {
        title: Some("Hits".into()),
        cell,
        ..Style::default()
    };
    let mut picture = picture::hit_map(som.grid(), hits, &style)?;
    if let Some(labels) = som.labels() {
        let won: Vec<(usize, &str)> = labels
            .iter()
            .enumerate()
            .filter(|&(k, _)| hits[k] > 0)
            .map(|(k, label)| (k, label.as_str()))
            .collect();
        picture.labels(&won)?;
    }
    Ok(picture)
}
