//! `som impute`: the data with each missing value filled in from its best-matching unit.

use crate::data;
use crate::flags::Impute;
use crate::progress::stage;
use som_std::Error;
use som_std::io::write_data;

pub fn run(args: Impute) -> Result<(), Error> {
    if args.input.mpi {
        return Err(Error::Invalid(
            "impute --mpi: impute writes one file from one process; expected it without --mpi"
                .into(),
        ));
    }
    let out = &args.out;
    let (som, data) = data::load(&args.input)?;
    let filled = stage("imputing", || som.impute(&data))?;
    stage(&format!("writing {}", out.display()), || {
        write_data(
            out,
            &filled,
            data.dim,
            data.columns.as_deref(),
            &data.labels,
        )
    })
}
