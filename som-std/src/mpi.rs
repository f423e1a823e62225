//! Batch training and queries across MPI ranks (feature `mpi`), over any communicator a
//! program has set up (`mpi::initialize()` and its world, or a split of it).
//!
//! Every rank reads only its own share of a raw `.f32` file ([`crate::io::F32File`]: whole
//! shards of batch statistics for training, an even share of the samples for queries) or of a
//! text file ([`read_part`]: by byte range, whole shards); data in memory is taken to be the
//! same on every rank, which then works on its share alone. The
//! statistics are summed exactly across ranks, so 1, 2 or any number of ranks give the
//! codebook that [`Som::train_batch`] gives in one process, bit for bit. Every function is
//! collective: all ranks call it with the same map and settings. A rank that fails tells the
//! others, and every rank returns an error (its own, or one naming the first rank that
//! failed): no rank waits forever for one that stopped.
//!
//! ```no_run
//! use som_std::{Som, Rows, io::F32File};
//! let universe = mpi::initialize().expect("MPI");
//! let world = universe.world();
//! let file = F32File::open("big.f32", 50)?;
//! let mut som = Som::builder(32, 32, 50).seed(1).build()?;
//! som_std::mpi::train_batch(&mut som, &world, &Rows::File(&file), 10, |_, _| {})?;
//! let (qe, te) = som_std::mpi::quality(&som, &world, &Rows::File(&file))?;
//! # Ok::<(), som_std::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::io::TextFile;
use crate::rows::{Combine, Part, Rows};
use crate::som::Som;
use mpi::collective::SystemOperation;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root, Source};
use som_kernel::Bmu;

/// The collectives of a communicator, as batch training and queries use them.
struct Ranks<'c, C: Communicator>(&'c C);

impl<C: Communicator> Combine for Ranks<'_, C> {
    fn rank(&self) -> usize {
        self.0.rank() as usize
    }

    fn size(&self) -> usize {
        self.0.size() as usize
    }

    fn agree(&self, local: Result<()>) -> Result<()> {
        let mine = if local.is_err() {
            i64::from(self.0.rank())
        } else {
            i64::MAX
        };
        let mut first = i64::MAX;
        self.0
            .all_reduce_into(&mine, &mut first, SystemOperation::min());
        if first == i64::MAX {
            return local;
        }
        // The first failing rank's message goes to every rank, so whichever prints first
        // says why (mpirun ends the others once one exits non-zero).
        let text = match (&local, i64::from(self.0.rank()) == first) {
            (Err(e), true) => e.to_string(),
            _ => String::new(),
        };
        let said = broadcast_text(self.0, first as i32, &text);
        match local {
            Err(e) => Err(e),
            Ok(()) => Err(Error::Invalid(format!(
                "rank {first} failed: {said} (every rank stops)"
            ))),
        }
    }

    fn sum(&self, values: &mut [i64]) -> Result<()> {
        let mine = values.to_vec();
        self.0
            .all_reduce_into(&mine[..], values, SystemOperation::sum());
        Ok(())
    }

    fn min_max(&self, low: &mut [f32], high: &mut [f32]) -> Result<()> {
        let mine = low.to_vec();
        self.0
            .all_reduce_into(&mine[..], low, SystemOperation::min());
        let mine = high.to_vec();
        self.0
            .all_reduce_into(&mine[..], high, SystemOperation::max());
        Ok(())
    }
}

/// Collective: `Ok` on every rank if `local` is `Ok` on every rank; otherwise an error on
/// every rank (its own where it failed, one naming the first rank that failed elsewhere).
/// For a program's own checks before long collective work.
///
/// # Errors
/// As said.
pub fn agree<C: Communicator>(comm: &C, local: Result<()>) -> Result<()> {
    Ranks(comm).agree(local)
}

/// Collective: checks that every rank has the same `text` as rank 0 (its options, say), so
/// that ranks given different settings stop at once instead of training different maps.
///
/// # Errors
/// On a rank whose `text` differs: what it has and what rank 0 has; on the others, as
/// [`agree`].
pub fn check_same<C: Communicator>(comm: &C, what: &str, text: &str) -> Result<()> {
    let theirs = broadcast_text(comm, 0, text);
    let local = if theirs == text {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} differ from rank 0's: this rank has `{text}`, rank 0 has `{}`; expected the same on every rank",
            theirs
        )))
    };
    agree(comm, local)
}

/// Collective: this rank's part of a text data file (CSV or SOM_PAK `.dat`), read by byte
/// range: each rank scans only its own share of the bytes (cut at line starts) and reads the
/// whole shards of batch training for `som` that start among its samples. [`train_batch`] on
/// the parts gives the codebook of one process reading the whole file, bit for bit; queries
/// ([`quality`], [`hits`], [`bmus_rows`]) take the parts as they are. Errors name the file's
/// lines, as its whole-file reader does.
///
/// # Errors
/// On every rank: the reader's errors on any rank's part; a file whose parts use both a
/// decimal point and a decimal comma.
pub fn read_part<C: Communicator>(comm: &C, file: &TextFile, som: &Som) -> Result<Part> {
    Part::read(file, som.grid().units(), &Ranks(comm))
}

/// Collective: [`Som::train_batch_rows`] across the ranks of `comm`, each reading only its
/// own shards of a file. The same codebook on every rank, and the same bits as one process.
///
/// # Errors
/// As [`Som::train_batch_rows`], on every rank; ranks whose data differ in size or dim, or
/// whose starting codebooks differ.
pub fn train_batch<C: Communicator>(
    som: &mut Som,
    comm: &C,
    rows: &Rows<'_>,
    epochs: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<()> {
    train_batch_with(som, comm, rows, epochs, |e| {
        progress(e.epoch as u64, e.total);
        Ok(true)
    })
    .map(drop)
}

/// Collective: [`Som::train_batch_rows_with`] across the ranks of `comm`. The observer runs
/// on every rank; [`crate::Epoch::errors`] is collective (every rank must ask, or none), and
/// gives every rank the same numbers, so a stopping rule stops every rank at the same epoch.
/// Returns the epochs run.
///
/// # Errors
/// As [`train_batch`], and the observer's own errors.
pub fn train_batch_with<C: Communicator>(
    som: &mut Som,
    comm: &C,
    rows: &Rows<'_>,
    epochs: u64,
    observer: impl FnMut(&crate::Epoch<'_>) -> Result<bool>,
) -> Result<u64> {
    let ranks = Ranks(comm);
    check_same(comm, "the data", &data(rows))?;
    som.prepare_rows(rows, &ranks)?;
    // A start read from a file (--init) may differ between nodes.
    check_same(comm, "the starting codebooks", &codebook(som))?;
    som.batch_epochs(rows, &ranks, epochs, observer)
}

/// What must be alike about the data on every rank.
fn data(rows: &Rows<'_>) -> String {
    format!("{} samples of dim {}", rows.count(), rows.dim())
}

/// A fingerprint of a map's codebook (FNV-1a of its bits), to check that ranks hold the same.
fn codebook(som: &Som) -> String {
    let hash = som
        .codebook()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, w| {
            (h ^ u64::from(w.to_bits())).wrapping_mul(0x0100_0000_01b3)
        });
    let g = som.grid();
    format!(
        "a {}x{} map of dim {}, fingerprint {hash:016x}",
        g.rows(),
        g.cols(),
        som.dim()
    )
}

/// Collective: [`Som::quality_rows`] across the ranks of `comm`, each reading its own share.
///
/// # Errors
/// As [`Som::quality_rows`], on every rank; ranks whose data or codebooks differ.
pub fn quality<C: Communicator>(som: &Som, comm: &C, rows: &Rows<'_>) -> Result<(f32, f32)> {
    check_same(
        comm,
        "the data and codebook",
        &(data(rows) + ", " + &codebook(som)),
    )?;
    som.quality_on(rows, &Ranks(comm))
}

/// Collective: [`Som::hits_rows`] across the ranks of `comm`, each reading its own share.
///
/// # Errors
/// As [`Som::hits_rows`], on every rank; ranks whose data or codebooks differ.
pub fn hits<C: Communicator>(som: &Som, comm: &C, rows: &Rows<'_>) -> Result<Vec<u64>> {
    check_same(
        comm,
        "the data and codebook",
        &(data(rows) + ", " + &codebook(som)),
    )?;
    som.hits_on(rows, &Ranks(comm))
}

/// Collective: [`Som::bmus_rows`] across the ranks of `comm`: each rank searches its own share
/// of `rows`, and rank 0 calls `f` with every block of best-matching units in file order (the
/// other ranks send theirs to it, a block at a time), so one process can write a whole file's
/// map while every rank searches. `f` runs on rank 0 only.
///
/// # Errors
/// As [`Som::bmus_rows`], on every rank; ranks whose data or codebooks differ; `f`'s own.
pub fn bmus_rows<C: Communicator>(
    som: &Som,
    comm: &C,
    rows: &Rows<'_>,
    mut f: impl FnMut(usize, &[Bmu]) -> Result<()>,
) -> Result<()> {
    check_same(
        comm,
        "the data and codebook",
        &(data(rows) + ", " + &codebook(som)),
    )?;
    let ranks = Ranks(comm);
    let mine = rows.share(&ranks);
    let root = comm.process_at_rank(0);
    let local = if comm.rank() != 0 {
        let sent = som.check_rows(rows).and_then(|()| {
            som.block_bmus(rows, mine, |first, out| {
                root.send(&pack(first, out)[..]);
                Ok(())
            })
        });
        // The end of this rank's share, or where it failed: rank 0 stops waiting either way.
        root.send(&[0u64; 0][..]);
        sent
    } else {
        let mut result = som
            .check_rows(rows)
            .and_then(|()| som.block_bmus(rows, mine, &mut f));
        // Every other rank's blocks, in rank order (drained even after a failure here, so
        // that no rank waits forever to send).
        for r in 1..comm.size() {
            let from = comm.process_at_rank(r);
            loop {
                let (msg, _) = from.receive_vec::<u64>();
                let Some((first, bmus)) = unpack(&msg) else {
                    break;
                };
                if result.is_ok() {
                    result = f(first, &bmus);
                }
            }
        }
        result
    };
    ranks.agree(local)
}

/// A block of best-matching units as a message: its first sample, then unit and distance
/// bits of each.
fn pack(first: usize, bmus: &[Bmu]) -> Vec<u64> {
    let units = bmus
        .iter()
        .flat_map(|b| [b.unit as u64, u64::from(b.dist2.to_bits())]);
    std::iter::once(first as u64).chain(units).collect()
}

/// [`pack`] undone; `None` for the empty message that ends a rank's blocks.
fn unpack(msg: &[u64]) -> Option<(usize, Vec<Bmu>)> {
    let (&first, rest) = msg.split_first()?;
    let bmus = rest
        .chunks_exact(2)
        .map(|p| Bmu {
            unit: usize::try_from(p[0]).unwrap_or(usize::MAX),
            dist2: f32::from_bits(p[1] as u32),
        })
        .collect();
    Some((usize::try_from(first).unwrap_or(usize::MAX), bmus))
}

/// Collective: [`Som::classify_rows`] across the ranks of `comm`, each reading its own share
/// (`labels` holds the label of every sample, on every rank); every rank gets the same labels.
///
/// # Errors
/// As [`Som::classify_rows`], on every rank; ranks whose data or codebooks differ.
pub fn classify<C: Communicator, L: ToString>(
    som: &mut Som,
    comm: &C,
    rows: &Rows<'_>,
    labels: &[L],
) -> Result<Vec<String>> {
    check_same(
        comm,
        "the data and codebook",
        &(data(rows) + ", " + &codebook(som)),
    )?;
    som.classify_on(rows, labels, &Ranks(comm))
        .map(<[String]>::to_vec)
}

/// Collective: `text` as rank `root` has it, on every rank.
fn broadcast_text<C: Communicator>(comm: &C, root: i32, text: &str) -> String {
    let root = comm.process_at_rank(root);
    let mut len = text.len() as u64;
    root.broadcast_into(&mut len);
    let mut bytes = if comm.rank() == root.rank() {
        text.as_bytes().to_vec()
    } else {
        vec![0u8; usize::try_from(len).unwrap_or(0)]
    };
    root.broadcast_into(&mut bytes[..]);
    String::from_utf8_lossy(&bytes).into_owned()
}
