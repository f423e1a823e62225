//! `som quality`: the quantization and topographic errors of a map on data.

use crate::data::{self, is_f32};
use crate::flags::Quality;
use crate::progress::stage;
use crate::stdout::Stdout;
use crate::world::World;
use som_std::io::Dataset;
use som_std::{Error, Som};

pub fn run(world: &World, args: Quality, out: &mut Stdout) -> Result<(), Error> {
    let input = &args.input;
    let (qe, te) = if input.mpi || is_f32(&input.samples.data) {
        let (som, data) = data::load_part(world, input)?;
        let (qe, te) = stage("measuring the errors", || {
            som.quality(&*world.source(&data.rows()?))
        })?;
        (
            metric("quantization error", qe)?,
            metric("topographic error", te)?,
        )
    } else {
        let (som, data) = data::load(input)?;
        stage("measuring the errors", || measure(&som, &data))?
    };
    if !world.leads() {
        Ok(())
    } else if args.json {
        out.line(serde_json::json!({ "quantization_error": qe, "topographic_error": te }))
    } else {
        out.line(format_args!(
            "quantization error {qe}\ntopographic error  {te}"
        ))
    }
}

/// The quantization and topographic errors of samples in memory, as numbers.
pub fn measure(som: &Som, data: &Dataset) -> Result<(f32, f32), Error> {
    let qe = metric("quantization error", som.quantization_error(data)?)?;
    let te = metric("topographic error", som.topographic_error(data)?)?;
    Ok((qe, te))
}

/// A metric as a number, or an error saying why there is none: `null` is not a number.
pub fn metric(name: &str, v: f32) -> Result<f32, Error> {
    if v.is_finite() {
        return Ok(v);
    }
    Err(Error::Invalid(format!(
        "the {name} is {v}: the distances between the data and the codebook overflow f32; expected values whose squared differences stay below 3.4e38 (scale the data)"
    )))
}
