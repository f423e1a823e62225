//! `som map`: each sample's best-matching unit, as `row col` or (--predict) its label.

use crate::data::{self, is_f32};
use crate::flags::{Input, Map};
use crate::progress::stage;
use crate::stdout::Stdout;
use crate::world::World;
use som_std::kernel::Bmu;
use som_std::{Error, Som};

pub fn run(world: &World, args: Map, out: &mut Stdout) -> Result<(), Error> {
    let input = &args.input;
    if input.mpi || is_f32(&input.samples.data) {
        // A block of samples at a time, printed as it is found.
        let (som, data) = data::load_part(world, input)?;
        let labels = labels_of(&som, input, args.predict)?;
        let rows = data.rows()?;
        stage("mapping", || {
            som.bmus_each(&*world.source(&rows), |_, bmus| {
                print_units(out, &som, labels, bmus)
            })
        })
    } else {
        let (som, data) = data::load(input)?;
        let labels = labels_of(&som, input, args.predict)?;
        let bmus = stage("mapping", || som.bmus(&data))?;
        print_units(out, &som, labels, &bmus)
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
    out: &mut Stdout,
    som: &Som,
    labels: Option<&[String]>,
    bmus: &[Bmu],
) -> Result<(), Error> {
    for b in bmus {
        match (labels, b.found()) {
            (_, None) => out.line("-")?,
            (Some(l), Some(k)) => out.line(&l[k])?,
            (None, Some(k)) => {
                let (r, c) = som.grid().row_col(k);
                out.line(format_args!("{r} {c}"))?
            }
        }
    }
    Ok(())
}
