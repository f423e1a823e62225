//! What a command reads: the map (a codebook file) and the samples, in memory, from a raw
//! file a block at a time, or under MPI this rank's part of a file.

use crate::flags::{CodebookArgs, Input};
use crate::progress::stage;
use crate::world::World;
use som_std::io::{Dataset, F32File, Format, TextFile, read_data_with};
use som_std::{Error, Flat, Part, Rows, Som};
use std::path::Path;

/// Samples a command reads: a raw .f32 file read in blocks, a file read into memory, or under
/// MPI a text file opened, then this rank's part of it.
pub enum Data {
    File(F32File),
    Memory(Dataset),
    Text(TextFile),
    Part(Part),
}

impl Data {
    /// The samples as the library's queries and batch training read them.
    pub fn rows(&self) -> Result<Rows<'_>, Error> {
        Ok(match self {
            Data::File(f) => Rows::File(f),
            Data::Memory(d) => Rows::Memory(Flat::new(&d.data, d.dim)?),
            Data::Part(p) => Rows::Part(p),
            Data::Text(f) => {
                return Err(Error::Invalid(format!(
                    "{}: its part is read once the map is known",
                    f.name()
                )));
            }
        })
    }

    /// Values per sample.
    pub fn dim(&self) -> usize {
        match self {
            Data::File(f) => f.dim(),
            Data::Memory(d) => d.dim,
            Data::Text(f) => f.dim(),
            Data::Part(p) => p.dim(),
        }
    }
}

/// Whether a path names a raw .f32 file.
pub fn is_f32(path: &Path) -> bool {
    matches!(Format::from_path(path), Ok(Format::F32))
}

/// The map a codebook file holds (.json, .cod, or .csv/.f32 with `--rows`, `--cols`).
pub fn codebook(args: &CodebookArgs) -> Result<Som, Error> {
    stage(&format!("reading {}", args.codebook.display()), || {
        Som::from_codebook_file(&args.codebook, args.rows.zip(args.cols), None)
    })
}

/// The query's map: its codebook, reading missing values as `--missing` says if given.
fn query_map(input: &Input) -> Result<Som, Error> {
    let mut som = codebook(&input.codebook)?;
    if let Some(m) = input.missing {
        som.set_missing(m)?;
    }
    Ok(som)
}

/// The map and the samples of a query, all in memory.
pub fn load(input: &Input) -> Result<(Som, Dataset), Error> {
    let som = query_map(input)?;
    // Raw .f32 data does not say its dim: --dim, or else the codebook's.
    let dim = input
        .samples
        .dim
        .or(is_f32(&input.samples.data).then(|| som.dim()));
    let data = stage(&format!("reading {}", input.samples.data.display()), || {
        read_data_with(&input.samples.data, dim, input.samples.delimiter)
    })?;
    check_dims(&som, input, data.dim)?;
    Ok((som, data))
}

/// The map and the samples of a query that reads its data a block at a time: a .f32 file
/// stays on disk; under MPI a text file is opened (each rank reads its part once the map is
/// known: [`World::read_part`]); other formats are read into memory.
pub fn load_rows(world: &World, input: &Input) -> Result<(Som, Data), Error> {
    let raw = is_f32(&input.samples.data);
    if !raw && !world.is_mpi() {
        let (som, data) = load(input)?;
        return Ok((som, Data::Memory(data)));
    }
    let som = query_map(input)?;
    let data = if raw {
        F32File::open(&input.samples.data, input.samples.dim.unwrap_or(som.dim()))
            .map(Data::File)?
    } else {
        TextFile::open(
            &input.samples.data,
            input.samples.dim,
            input.samples.delimiter,
        )
        .map(Data::Text)?
    };
    check_dims(&som, input, data.dim())?;
    Ok((som, data))
}

/// The map and this rank's samples of a query that reads its data a block at a time
/// ([`load_rows`], then the rank's part of a text file), every rank agreeing that it could.
pub fn load_part(world: &World, input: &Input) -> Result<(Som, Data), Error> {
    let (som, data) = world.agree(load_rows(world, input))?;
    let data = world.read_part(data, &som)?;
    Ok((som, data))
}

/// Checks that the data of a query has the codebook's dim.
fn check_dims(som: &Som, input: &Input, dim: usize) -> Result<(), Error> {
    if dim != som.dim() {
        let given = if input.samples.dim.is_some() {
            " (--dim)"
        } else {
            ""
        };
        return Err(Error::Invalid(format!(
            "the codebook {} has dim {}, the data {} dim {dim}{given}; expected the same",
            input.codebook.codebook.display(),
            som.dim(),
            input.samples.data.display()
        )));
    }
    Ok(())
}
