//! `som map`: each sample's best-matching unit, as `row col` or (--predict) its label.

use crate::data::{self, is_f32};
use crate::flags::{Input, Map};
use crate::progress::stage;
use crate::world::World;
use som_std::kernel::Bmu;
use som_std::{Error, Som};
use std::io::Write;

pub fn run(world: &World, args: Map) -> Result<(), Error> {
    let input = &args.input;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if input.mpi || is_f32(&input.samples.data) {
        // A block of samples at a time, printed as it is found.
        let (som, data) = data::load_part(world, input)?;
        let labels = labels_of(&som, input, args.predict)?;
        let rows = data.rows()?;
        stage("mapping", || {
            som.bmus_each(&*world.source(&rows), |_, bmus| {
                print_units(&mut out, &som, labels, bmus)
            })
        })
    } else {
        let (som, data) = data::load(input)?;
        let labels = labels_of(&som, input, args.predict)?;
        let bmus = stage("mapping", || som.bmus(&data))?;
        print_units(&mut out, &som, labels, &bmus)
    }
}

/// With --predict, the map's unit labels, or an error naming the codebook.
fn labels_of<'s>(
    som: &'s Som,
    input: &Input,
    predict: bool,
) -> Result<Option<&'s [String]>, Error> {
    if !predict {
        return Ok(None);
    }
    som.labels().map(Some).ok_or_else(|| {
        Error::Invalid(format!(
            "--predict: {} has no unit labels; expected a map trained with --labels (a .json map)",
            input.codebook.codebook.display()
        ))
    })
}

/// Prints each sample's unit as `row col`, or its label (`labels`); `-` for a sample with
/// every component missing, which has no unit.
fn print_units(
    out: &mut impl Write,
    som: &Som,
    labels: Option<&[String]>,
    bmus: &[Bmu],
) -> Result<(), Error> {
    for b in bmus {
        let line = match (labels, b.found()) {
            (_, None) => writeln!(out, "-"),
            (Some(l), Some(k)) => writeln!(out, "{}", l[k]),
            (None, Some(k)) => {
                let (r, c) = som.grid().row_col(k);
                writeln!(out, "{r} {c}")
            }
        };
        line.map_err(|e| Error::Io {
            file: "standard output".into(),
            source: e,
        })?;
    }
    Ok(())
}
