//! `som export`: a trained map as Rust or C source, for firmware.

use crate::data;
use crate::flags::{Codes, Export};
use som_std::Error;
use som_std::io::export::{Codes as Stored, export};

pub fn run(args: Export) -> Result<(), Error> {
    let som = data::codebook(&args.codebook)?;
    let codes = match args.codes {
        Codes::F32 => Stored::F32,
        Codes::I16 => Stored::I16(args.step),
    };
    let text = export(&som, args.format, codes)?;
    som_std::io::write_atomic(&args.out, |file, name| {
        use std::io::Write;
        file.write_all(text.as_bytes()).map_err(|source| Error::Io {
            file: name.to_string(),
            source,
        })
    })
}
