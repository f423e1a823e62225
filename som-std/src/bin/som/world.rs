//! Where this process runs: alone, or as one rank of an MPI job (feature `mpi`). The only file
//! of the command line that knows whether MPI was built in: [`Ranks`] has two implementations
//! chosen here, a communicator, or (without the feature) a type with no values.

use crate::data::Data;
use crate::progress::stage;
use som_std::{Error, Rows, Som, Source};

/// This process's place: `ranks` is `None` alone.
pub struct World {
    ranks: Option<Ranks>,
}

impl World {
    /// Alone, or (`mpi`) one rank of the job, which starts MPI and checks that every rank was
    /// given the same options.
    pub fn new(mpi: bool) -> Result<World, Error> {
        if !mpi {
            return Ok(World { ranks: None });
        }
        let world = World {
            ranks: Some(Ranks::start()?),
        };
        // Ranks given different options would train different maps: stop before anything.
        // The --data path may differ (node-local copies); the data's size is checked later.
        let mut args = Vec::new();
        let mut skip = false;
        for a in std::env::args().skip(1) {
            if std::mem::take(&mut skip) || a.starts_with("--data=") {
                continue;
            }
            skip = a == "--data";
            if !skip {
                args.push(a);
            }
        }
        let same = world.check_same("the options", &args.join(" "));
        same.map_err(|e| Error::Invalid(format!("{}{e}", world.who())))?;
        Ok(world)
    }

    /// `rank R of N: ` under MPI (so that logs say which rank said what), nothing alone.
    pub fn who(&self) -> String {
        match &self.ranks {
            Some(r) => format!("rank {} of {}: ", r.rank(), r.size()),
            None => String::new(),
        }
    }

    /// Whether this process is one rank of an MPI job.
    pub fn is_mpi(&self) -> bool {
        self.ranks.is_some()
    }

    /// Whether this process prints and writes: rank 0, or the only one.
    pub fn leads(&self) -> bool {
        self.ranks.as_ref().is_none_or(|r| r.rank() == 0)
    }

    /// Every rank learns whether all succeeded (nothing to learn alone).
    pub fn agree<T>(&self, local: Result<T, Error>) -> Result<T, Error> {
        let Some(ranks) = &self.ranks else {
            return local;
        };
        match local {
            Ok(v) => ranks.agree(Ok(())).map(|()| v),
            Err(e) => {
                let _ = ranks.agree(Err(Error::Invalid(e.to_string())));
                Err(e)
            }
        }
    }

    /// Runs `work` where this process writes (rank 0, or alone), and every rank learns
    /// whether it succeeded.
    pub fn lead(&self, work: impl FnOnce() -> Result<(), Error>) -> Result<(), Error> {
        self.agree(if self.leads() { work() } else { Ok(()) })
    }

    fn check_same(&self, what: &str, text: &str) -> Result<(), Error> {
        match &self.ranks {
            Some(r) => r.check_same(what, text),
            None => Ok(()),
        }
    }

    /// `rows` as the map's batch training and queries read them: shared among the ranks under
    /// MPI (each works on its share, the results are combined), else as they are.
    pub fn source<'a>(&'a self, rows: &'a Rows<'a>) -> Box<dyn Source + 'a> {
        match &self.ranks {
            Some(r) => r.share(rows),
            None => Box::new(*rows),
        }
    }

    /// A text file's part for this rank, read for `som` (collective); other data as it is.
    pub fn read_part(&self, data: Data, som: &Som) -> Result<Data, Error> {
        let Data::Text(file) = data else {
            return Ok(data);
        };
        let Some(ranks) = &self.ranks else {
            return Err(Error::Invalid(format!(
                "{}: a text file is read by parts only under --mpi",
                file.name()
            )));
        };
        let read = stage(&format!("reading {}", file.name()), || {
            ranks.read_part(&file, som)
        });
        read.map(Data::Part)
            .map_err(|e| crate::flag_error("--data", e))
    }
}

/// The ranks of an MPI job, as the command line uses them.
#[cfg(feature = "mpi")]
struct Ranks {
    // Kept alive: MPI ends when it is dropped.
    _universe: mpi::environment::Universe,
    world: mpi::topology::SimpleCommunicator,
}

#[cfg(feature = "mpi")]
impl Ranks {
    fn start() -> Result<Ranks, Error> {
        let universe = mpi::initialize().ok_or_else(|| {
            Error::Invalid("--mpi: MPI could not be started (or was started twice)".into())
        })?;
        let world = universe.world();
        Ok(Ranks {
            _universe: universe,
            world,
        })
    }

    fn rank(&self) -> usize {
        use mpi::traits::Communicator;
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        use mpi::traits::Communicator;
        self.world.size() as usize
    }

    fn agree(&self, local: Result<(), Error>) -> Result<(), Error> {
        som_std::mpi::agree(&self.world, local)
    }

    fn check_same(&self, what: &str, text: &str) -> Result<(), Error> {
        som_std::mpi::check_same(&self.world, what, text)
    }

    fn share<'a>(&'a self, rows: &'a Rows<'a>) -> Box<dyn Source + 'a> {
        Box::new(som_std::mpi::Shared::new(&self.world, rows))
    }

    fn read_part(&self, file: &som_std::io::TextFile, som: &Som) -> Result<som_std::Part, Error> {
        som_std::mpi::read_part(&self.world, file, som)
    }
}

/// Without MPI there are no ranks: a type with no values, so the compiler knows every branch
/// that has one cannot run.
#[cfg(not(feature = "mpi"))]
enum Ranks {}

#[cfg(not(feature = "mpi"))]
impl Ranks {
    fn start() -> Result<Ranks, Error> {
        Err(Error::Invalid(
            "--mpi: this som was built without MPI; expected a build with --features cli,mpi"
                .into(),
        ))
    }

    fn rank(&self) -> usize {
        match *self {}
    }

    fn size(&self) -> usize {
        match *self {}
    }

    fn agree(&self, _: Result<(), Error>) -> Result<(), Error> {
        match *self {}
    }

    fn check_same(&self, _: &str, _: &str) -> Result<(), Error> {
        match *self {}
    }

    fn share<'a>(&'a self, _: &'a Rows<'a>) -> Box<dyn Source + 'a> {
        match *self {}
    }

    fn read_part(&self, _: &som_std::io::TextFile, _: &Som) -> Result<som_std::Part, Error> {
        match *self {}
    }
}
