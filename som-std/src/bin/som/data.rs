//! What a command reads: the map (a codebook file) and the samples, in memory, from a raw
//! file a block at a time, or under MPI this rank's part of a file.

use crate::flags::{CodebookArgs, DataArgs, Input};
use crate::progress::stage;
use crate::world::World;
use som_std::io::{Dataset, F32File, Format, TextFile, f32_dim, read_data_with};
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

/// The samples `args` names, where a command reads them: a .f32 file opened to be read a
/// block at a time (`stream`), else under MPI a text file opened (each rank reads its part
/// once the map is known: [`World::read_part`]), else the file read into memory. Raw .f32
/// data does not say its dim: --dim, or else `map_dim` (a query's codebook's).
pub fn open(
    world: &World,
    args: &DataArgs,
    stream: bool,
    map_dim: Option<usize>,
) -> Result<Data, Error> {
    stage(&reading(args), || {
        if stream {
            let dim = f32_dim(&args.data, args.dim.or(map_dim))?;
            F32File::open(&args.data, dim).map(Data::File)
        } else if world.is_mpi() {
            TextFile::open(&args.data, args.dim, args.delimiter).map(Data::Text)
        } else {
            read(args, map_dim).map(Data::Memory)
        }
    })
}

/// The samples `args` names, read into memory (raw .f32 data of dim --dim, or else
/// `map_dim`).
fn read(args: &DataArgs, map_dim: Option<usize>) -> Result<Dataset, Error> {
    let dim = args.dim.or(map_dim.filter(|_| is_f32(&args.data)));
    read_data_with(&args.data, dim, args.delimiter)
}

/// What the spinner says while `args`' samples are read.
fn reading(args: &DataArgs) -> String {
    format!("reading {}", args.data.display())
}

/// The map and the samples of a query, all in memory.
pub fn load(input: &Input) -> Result<(Som, Dataset), Error> {
    let som = query_map(input)?;
    let data = stage(&reading(&input.samples), || {
        read(&input.samples, Some(som.dim()))
    })?;
    check_dims(&som, input, data.dim)?;
    Ok((som, data))
}

/// The map and the samples of a query that reads its data a block at a time ([`open`]): a
/// .f32 file stays on disk; under MPI a text file is opened; other formats are read into
/// memory.
pub fn load_rows(world: &World, input: &Input) -> Result<(Som, Data), Error> {
    let som = query_map(input)?;
    let samples = &input.samples;
    let data = open(world, samples, is_f32(&samples.data), Some(som.dim()))?;
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
