//! Batch training and queries across MPI ranks (feature `mpi`), over any communicator a
//! program has set up (`mpi::initialize()` and its world, or a split of it).
//!
//! [`Shared`] is the one way to pass a communicator: any [`Source`] shared among the ranks
//! goes to the map's own [`Som::train_batch`], [`Som::train_batch_with`], [`Som::quality`],
//! [`Som::hits`], [`Som::classify`], [`Som::bmus`] and [`Som::bmus_each`]. Every rank reads
//! only its own share of a raw `.f32` file ([`crate::io::F32File`]: whole shards of batch
//! statistics for training, an even share of the samples for queries) or of a text file
//! ([`read_part`]: by byte range, whole shards); data in memory is taken to be the same on
//! every rank, which then works on its share alone. The statistics are summed exactly across
//! ranks, so 1, 2 or any number of ranks give the codebook that one process gives, bit for
//! bit. Every call on a [`Shared`] source is collective: all ranks call it with the same map
//! and settings (checked: the data's size and the codebook). A rank that fails tells the
//! others, and every rank returns an error (its own, or one naming the first rank that
//! failed): no rank waits forever for one that stopped.
//!
//! ```no_run
//! use som_std::{Som, io::F32File, mpi::Shared};
//! let universe = mpi::initialize().expect("MPI");
//! let world = universe.world();
//! let file = F32File::open("big.f32", 50)?;
//! let data = Shared::new(&world, &file);
//! let mut som = Som::builder(32, 32, 50).seed(1).build()?;
//! som.train_batch(&data, 10)?;
//! let (qe, te) = som.quality(&data)?;
//! # Ok::<(), som_std::Error>(())
//! ```

use crate::Source;
use crate::error::{Error, Result};
use crate::io::TextFile;
use crate::rows::Part;
use crate::som::Som;
use crate::source::{Blocks, BmuBlock, Combine, Sealed};
use mpi::collective::SystemOperation;
use mpi::traits::Source as _;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root};
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

    fn check_same(&self, what: &str, text: &dyn Fn() -> String) -> Result<()> {
        check_same(self.0, what, &text())
    }

    fn gather(
        &self,
        search: &mut dyn FnMut(&mut BmuBlock<'_>) -> Result<()>,
        f: &mut BmuBlock<'_>,
    ) -> Result<()> {
        let comm = self.0;
        let root = comm.process_at_rank(0);
        let local = if comm.rank() != 0 {
            let sent = search(&mut |first, out| {
                root.send(&pack(first, out)[..]);
                Ok(())
            });
            // The end of this rank's share, or where it failed: rank 0 stops waiting either way.
            root.send(&[0u64; 0][..]);
            sent
        } else {
            let mut result = search(f);
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
        self.agree(local)
    }
}

/// Samples shared among the ranks of a communicator: any [`Source`] (a raw `.f32` file each
/// rank reads its share of, this rank's [`Part`] of a text file, or data in memory alike on
/// every rank), given to the map's batch training and queries so that each rank works on its
/// share and the results are combined across ranks. Every call with it is collective.
pub struct Shared<'a, C: Communicator, S: ?Sized> {
    ranks: Ranks<'a, C>,
    data: &'a S,
}

impl<'a, C: Communicator, S: Source + ?Sized> Shared<'a, C, S> {
    /// `data` shared among the ranks of `comm`.
    pub fn new(comm: &'a C, data: &'a S) -> Self {
        Self {
            ranks: Ranks(comm),
            data,
        }
    }
}

impl<C: Communicator, S: ?Sized> std::fmt::Debug for Shared<'_, C, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("rank", &self.ranks.0.rank())
            .field("size", &self.ranks.0.size())
            .finish_non_exhaustive()
    }
}

impl<C: Communicator, S: Source + ?Sized> Sealed for Shared<'_, C, S> {
    fn count(&self) -> usize {
        self.data.count()
    }
    fn blocks(&self, dim: usize, missing: som_kernel::Missing) -> Result<Blocks<'_>> {
        self.data.blocks(dim, missing)
    }
    fn combine(&self) -> &dyn Combine {
        &self.ranks
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
/// whole shards of batch training for `som` that start among its samples. Batch training on
/// the parts ([`Shared`]) gives the codebook of one process reading the whole file, bit for
/// bit; queries take the parts as they are. Errors name the file's
/// lines, as its whole-file reader does.
///
/// # Errors
/// On every rank: the reader's errors on any rank's part; a file whose parts use both a
/// decimal point and a decimal comma.
pub fn read_part<C: Communicator>(comm: &C, file: &TextFile, som: &Som) -> Result<Part> {
    Part::read(file, som.grid().units(), &Ranks(comm))
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
