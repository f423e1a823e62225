//! `som plot-history`: a training history (`som train --history`) as a line chart.

use super::{check_picture, save};
use crate::flags::PlotHistory;
use som_std::Error;
use som_std::picture::{self, Style};

pub fn run(args: PlotHistory) -> Result<(), Error> {
    check_picture("--out", &args.out)?;
    let records = som_std::watch::read_history(&args.history)?;
    let picture = picture::history(&records, &Style::default())
        .map_err(|e| Error::Invalid(format!("{}: {e}", args.history.display())))?;
    save(&picture, &args.out)
}
