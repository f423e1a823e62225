//! Training drivers: online (in order, shuffled, by epochs or steps, streaming) and batch.

use crate::data::{Samples, flatten, validate};
use crate::error::{Error, Result};
use crate::exact::{DIGITS, Wide};
use crate::som::{Init, Order, Som, from_range, widen, zeros};
use crate::source::{Alone, Blocks, Combine, Source, agree_on, open};
use crate::watch::Epoch;
use rayon::prelude::*;
use som_kernel::{BatchStats, Bmu, Clock, Map, MapMut, Missing, Neighbourhood, init};
use std::borrow::Cow;
use std::ops::Range;

/// Samples per parallel task in whole-data BMU searches.
const TASK: usize = 512;

impl Som {
    /// Validates `data`, runs a pending data-dependent initialisation, and returns the data
    /// flat (borrowed when it already is).
    fn prepare<'d, S: Samples + ?Sized>(&mut self, data: &'d S) -> Result<Cow<'d, [f32]>> {
        validate(data, self.dim, self.missing)?;
        if data.count() == 0 {
            return Err(Error::Invalid(
                "no samples: training needs at least one".into(),
            ));
        }
        let flat = flatten(data);
        if !self.initialised {
            self.initialise(Some(&flat))?;
        }
        Ok(flat)
    }

    /// Trains for the configured number of epochs (the TensorFlow example's `train`).
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (named), no samples.
    pub fn train<S: Samples + ?Sized>(&mut self, data: &S) -> Result<()> {
        self.train_epochs(data, self.epochs)
    }

    /// Online training: `epochs` passes over `data` in order; the schedules run over the whole
    /// of it.
    ///
    /// # Errors
    /// As [`Som::train`].
    pub fn train_epochs<S: Samples + ?Sized>(&mut self, data: &S, epochs: u64) -> Result<()> {
        self.train_online(
            data,
            epochs.saturating_mul(data.count() as u64),
            Order::Sequential,
        )
    }

    /// Online training for `steps` single-sample updates, cycling through the samples (step
    /// `t` presents sample `t mod n` in order, or the `t mod n`-th of a fresh permutation per
    /// pass when shuffled).
    ///
    /// # Errors
    /// As [`Som::train`].
    pub fn train_online<S: Samples + ?Sized>(
        &mut self,
        data: &S,
        steps: u64,
        order: Order,
    ) -> Result<()> {
        self.train_online_with(data, steps, order, steps.max(1), |_| Ok(true))
            .map(drop)
    }

    /// [`Som::train_online`], watched: after every `every` steps (and after the last)
    /// `observer` sees where training stands ([`Epoch`]: the schedules' values, and the errors
    /// on `data` if it asks) and returns whether to go on. Returns the steps taken.
    ///
    /// Watching costs nothing between calls; each call that asks for the errors costs one
    /// many-sample search. The map is the same, bit for bit, whatever `every` is.
    ///
    /// # Errors
    /// As [`Som::train`], `every` 0, and the observer's own errors.
    ///
    /// # Example
    /// ```
    /// use som_std::{EarlyStop, Order, Som};
    /// let data: Vec<[f32; 2]> = (0..50).map(|i| [(i % 7) as f32, (i % 5) as f32]).collect();
    /// let mut som = Som::builder(4, 4, 2).seed(1).build()?;
    /// let (mut history, mut stop) = (Vec::new(), EarlyStop::new(0.001, 3)?);
    /// let steps = som.train_online_with(&data[..], 5000, Order::Shuffled, 50, |e| {
    ///     let record = e.record()?;               // epoch, QE, TE, alpha, sigma
    ///     history.push(record);
    ///     Ok(stop.keep_going(record.quantization_error))
    /// })?;
    /// assert_eq!(history.len() as u64, steps.div_ceil(50));
    /// # Ok::<(), som_std::Error>(())
    /// ```
    pub fn train_online_with<S: Samples + ?Sized>(
        &mut self,
        data: &S,
        steps: u64,
        order: Order,
        every: u64,
        mut observer: impl FnMut(&Epoch<'_>) -> Result<bool>,
    ) -> Result<u64> {
        if every == 0 {
            return Err(Error::Invalid(
                "observing every 0 steps: expected at least 1".into(),
            ));
        }
        let flat = self.prepare(data)?;
        let dim = self.dim;
        let n = (flat.len() / dim) as u64;
        let training = self.training;
        let (total, per) = schedule_steps(training.clock, steps, n);
        if steps == 0 {
            return Ok(0);
        }
        // A schedule that fails at the last step fails now, not after all the others.
        training.at((steps - 1) / per, total)?;
        // Step `t` presents sample `t mod n` of the pass, through a fresh permutation per pass
        // when shuffled (drawn when the pass's first sample is asked for).
        let shuffled = order == Order::Shuffled;
        let mut perm: Vec<usize> = (0..n as usize).collect();
        let rows = Blocks::Memory {
            data: Cow::Borrowed(&flat),
            dim,
        };
        let mut done = 0;
        while done < steps {
            let end = done.saturating_add(every).min(steps);
            let mut map = MapMut::new(self.grid, dim, &mut self.weights)?
                .with_distance(self.distance)?
                .with_missing(self.missing)?;
            let rng = &mut self.rng;
            let sample = |t: u64| {
                let i = (t % n) as usize;
                if shuffled && i == 0 {
                    shuffle(&mut perm, rng);
                }
                let k = if shuffled { perm[i] } else { i };
                &flat[k * dim..(k + 1) * dim]
            };
            training.online_steps(&mut map, done..end, per, total, sample)?;
            done = end;
            let t = (done - 1) / per;
            let epoch = Epoch {
                epoch: done as f64 / n as f64,
                steps: done,
                total: steps,
                alpha: Some(training.alpha.at(t, total)),
                sigma: training.sigma.at(t, total),
                som: self,
                rows: &rows,
                combine: &Alone,
                errors: Default::default(),
            };
            if !observer(&epoch)? {
                break;
            }
        }
        Ok(done)
    }

    /// One online step on one sample, for streams: the schedules continue from the previous
    /// call (over [`crate::SomBuilder::stream_steps`] steps, then stay at their final value).
    /// Returns the sample's best-matching unit before the update: `None` for a sample with
    /// every component missing (masking), which trains nothing but counts as a step.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN (unless masked) or infinity.
    pub fn partial_fit(&mut self, x: &[f32]) -> Result<Option<usize>> {
        if x.len() != self.dim {
            return Err(Error::SampleLength {
                index: 0,
                expected: self.dim,
                got: x.len(),
            });
        }
        if !self.initialised {
            self.initialise(Some(x))?;
        }
        let t = self.streamed.min(self.stream_steps - 1);
        let (training, total) = (self.training, self.stream_steps);
        let mut map = self.view_mut();
        let b = training.online_steps(&mut map, t..t + 1, 1, total, |_| x)?;
        self.streamed += 1;
        Ok(b.and_then(|b| b.found()))
    }

    /// Batch training: each epoch finds every sample's best-matching unit (in parallel), then
    /// moves every unit to the neighbourhood-weighted mean of the samples. The width schedule
    /// runs from its start at the first epoch to its end at the last (`t / T = e / (E - 1)`),
    /// as in XPySom and Somoclu; the learning rate plays no part. The same result for any
    /// thread count.
    ///
    /// # Errors
    /// As [`Som::train`], and a neighbourhood that can be negative (Mexican hat).
    pub fn train_batch<D: Source + ?Sized>(&mut self, data: &D, epochs: u64) -> Result<()> {
        self.train_batch_with(data, epochs, |_| Ok(true)).map(drop)
    }

    /// [`Som::train_batch`], watched: after every epoch `observer` sees where training stands
    /// ([`Epoch`]) and returns whether to go on. Returns the epochs run.
    ///
    /// Each epoch, the samples are cut into shards of a size that depends only on the data and
    /// the map (never on the thread or process count); each shard finds its samples'
    /// best-matching units and sums them into statistics of its own (fused, so a shard's
    /// samples are read once, while in cache), in parallel; the shards' sums are then added
    /// exactly (order-independent, rounded once). Results are bit-identical for any thread
    /// count, and for any number of MPI ranks sharing the shards. Shared among MPI ranks, the
    /// observer runs on every rank; [`Epoch::errors`] is collective (every rank must ask, or
    /// none) and gives every rank the same numbers, so a stopping rule stops every rank at the
    /// same epoch.
    ///
    /// # Errors
    /// As [`Som::train_batch`], and the observer's own errors.
    pub fn train_batch_with<D: Source + ?Sized>(
        &mut self,
        data: &D,
        epochs: u64,
        observer: impl FnMut(&Epoch<'_>) -> Result<bool>,
    ) -> Result<u64> {
        // Refused before the data is read or the map initialised.
        self.training.shape.check_batch()?;
        let (rows, combine) = open(self, data)?;
        combine.check_same("the data", &|| rows.describe())?;
        self.prepare_rows(&rows, combine)?;
        // A start read from a file (--init) may differ between nodes.
        combine.check_same("the starting codebooks", &|| self.fingerprint())?;
        self.batch_epochs(&rows, combine, epochs, observer)
    }

    /// Checks that checked `rows` (this process's share of a file; all of memory) has samples,
    /// and runs a pending data-dependent initialisation, from the range over every process.
    pub(crate) fn prepare_rows(&mut self, rows: &Blocks<'_>, combine: &dyn Combine) -> Result<()> {
        let dim = self.dim;
        let check = if rows.count() == 0 {
            Err(Error::Invalid(
                "no samples: training needs at least one".into(),
            ))
        } else {
            Ok(())
        };
        combine.agree(check)?;
        let mut range = vec![(f32::INFINITY, f32::NEG_INFINITY); dim];
        let scan = match rows.memory() {
            Some(data) => {
                widen(&mut range, data);
                Ok(())
            }
            None => rows.each_block(rows.share(combine), self.missing, |_, block| {
                widen(&mut range, block);
                Ok(())
            }),
        };
        combine.agree(scan)?;
        let (mut low, mut high): (Vec<f32>, Vec<f32>) = range.iter().copied().unzip();
        combine.min_max(&mut low, &mut high)?;
        let range: Vec<(f32, f32)> = low.into_iter().zip(high).collect();
        check_magnitude(&range)?;
        if self.initialised {
            return Ok(());
        }
        let start = self.initialise_from(rows, &range, combine);
        combine.agree(start)
    }

    /// A pending data-dependent initialisation from `rows`, whose per-dimension range (over
    /// every process) is `range`.
    fn initialise_from(
        &mut self,
        rows: &Blocks<'_>,
        range: &[(f32, f32)],
        combine: &dyn Combine,
    ) -> Result<()> {
        let dim = self.dim;
        match (rows, &self.init) {
            (Blocks::Memory { data, .. }, _) => self.initialise(Some(data)),
            (_, Init::DataRange) => {
                let mut map = MapMut::new(self.grid, dim, &mut self.weights)?;
                from_range(&mut map, &mut self.rng, range)?;
                self.initialised = true;
                Ok(())
            }
            // As the kernel's `init::samples`: one drawn index per unit, that sample read.
            (Blocks::File(file), Init::Samples) => {
                let mut map = MapMut::new(self.grid, dim, &mut self.weights)?;
                let mut x = vec![0.0; dim];
                for k in 0..self.grid.units() {
                    let i = init::index(&mut self.rng, file.rows());
                    file.read_rows(i, &mut x)?;
                    if let Some(c) = x.iter().position(|v| v.is_nan()) {
                        return Err(drawn_missing(file.name(), i, c));
                    }
                    map.set_unit(k, &x)?;
                }
                self.initialised = true;
                Ok(())
            }
            // Each drawn sample comes from the process that holds it: the others add zeros.
            (Blocks::Part(part), Init::Samples) => {
                let held = part.range();
                let mut bits = vec![0i64; self.grid.units() * dim];
                let mut local = Ok(());
                for unit in bits.chunks_mut(dim) {
                    let i = init::index(&mut self.rng, part.total());
                    let Some(at) = i.checked_sub(held.start).filter(|_| held.contains(&i)) else {
                        continue;
                    };
                    let x = &part.data()[at * dim..(at + 1) * dim];
                    if let Some(c) = x.iter().position(|v| v.is_nan()) {
                        local = local.and(Err(drawn_missing(part.name(), i, c)));
                    }
                    unit.iter_mut()
                        .zip(x)
                        .for_each(|(b, v)| *b = i64::from(v.to_bits()));
                }
                combine.agree(local)?;
                combine.sum(&mut bits)?;
                let mut map = MapMut::new(self.grid, dim, &mut self.weights)?;
                let mut x = vec![0.0; dim];
                for (k, unit) in bits.chunks(dim).enumerate() {
                    x.iter_mut()
                        .zip(unit)
                        .for_each(|(v, &b)| *v = f32::from_bits(b as u32));
                    map.set_unit(k, &x)?;
                }
                self.initialised = true;
                Ok(())
            }
            (Blocks::File(_) | Blocks::Part(_), Init::Linear) => Err(Error::Invalid(format!(
                "{}: the linear (PCA) initialisation needs the data in memory; expected a random, data-range or samples start, or a codebook",
                rows.name()
            ))),
            (Blocks::File(_) | Blocks::Part(_), _) => self.initialise(None),
        }
    }

    /// The epochs of batch training on prepared `rows`: this process's shards, combined with
    /// the others'.
    pub(crate) fn batch_epochs(
        &mut self,
        rows: &Blocks<'_>,
        combine: &dyn Combine,
        epochs: u64,
        mut observer: impl FnMut(&Epoch<'_>) -> Result<bool>,
    ) -> Result<u64> {
        let (units, dim) = (self.grid.units(), self.dim);
        let threads = match self.threads {
            1 => 1,
            _ => self.in_pool(rayon::current_num_threads),
        };
        // Masking counts each component apart (missing values); else the hits suffice.
        let masked = self.missing == Missing::Mask;
        let mut shards = Shards::new(rows.count(), units, dim, threads, masked)?;
        let mine = agree_on(combine, shards.mine(rows, combine))?;
        let what = || "batch training's sums".to_string();
        let (mut hits, mut sums) = (zeros(units, what)?, zeros(units * dim, what)?);
        let mut counts: Vec<u64> = zeros(if masked { units * dim } else { 0 }, what)?;
        let mut exact: Vec<Wide> = zeros(units * dim, what)?;
        let training = self.training;
        let neighbourhood = |e: u64| {
            let sigma = training.sigma.at(e, epochs.saturating_sub(1).max(1));
            Neighbourhood::new(training.shape, sigma)?.with_cutoff(training.cutoff)
        };
        // A width that fails at the last epoch fails now, not after all the others.
        neighbourhood(epochs.saturating_sub(1))?;
        for e in 0..epochs {
            let (totals, parts) = ((&mut hits[..], &mut counts[..]), &mut shards);
            let local = self.batch_statistics(rows, parts, mine.clone(), totals, &mut exact);
            combine.agree(local)?;
            combine_exact(combine, &mut hits, &mut exact)?;
            combine_exact(combine, &mut counts, &mut [])?;
            let round = |(s, w): (&mut f64, &Wide)| *s = w.to_f64();
            if self.threads == 1 {
                sums.iter_mut().zip(&exact).for_each(round);
            } else {
                self.in_pool(|| sums.par_iter_mut().zip(&exact).for_each(round));
            }
            let nb = neighbourhood(e)?;
            if masked {
                self.view_mut()
                    .apply_batch_by_component(&counts, &sums, &nb)?;
            } else {
                self.view_mut().apply_batch(&hits, &sums, &nb)?;
            }
            let epoch = Epoch {
                epoch: (e + 1) as f64,
                steps: (e + 1).saturating_mul(rows.count() as u64),
                total: epochs,
                alpha: None,
                sigma: nb.sigma(),
                som: self,
                rows,
                combine,
                errors: Default::default(),
            };
            if !observer(&epoch)? {
                return Ok(e + 1);
            }
        }
        Ok(epochs)
    }

    /// Batch statistics of the shards `mine` of validated `rows` into `hits` (and, masking,
    /// the `counts` per component) and the exact `sums`: a wave of shards at a time, each
    /// shard's BMU search and sums fused, then added exactly. Deterministic for any thread
    /// count.
    fn batch_statistics(
        &self,
        rows: &Blocks<'_>,
        shards: &mut Shards,
        mine: Range<usize>,
        (hits, counts): (&mut [u64], &mut [u64]),
        sums: &mut [Wide],
    ) -> Result<()> {
        let n = rows.count();
        self.searching(n, |map| {
            self.batch_statistics_on(map, rows, shards, mine, (hits, counts), sums)
        })
    }

    /// [`Som::batch_statistics`] with the searches of `map`.
    fn batch_statistics_on(
        &self,
        map: Map<'_>,
        rows: &Blocks<'_>,
        shards: &mut Shards,
        mine: Range<usize>,
        (hits, counts): (&mut [u64], &mut [u64]),
        sums: &mut [Wide],
    ) -> Result<()> {
        let (units, dim, n) = (self.grid.units(), self.dim, rows.count());
        hits.fill(0);
        counts.fill(0);
        sums.fill(Wide::default());
        let (samples, wave) = (shards.samples, shards.wave);
        let masked = !counts.is_empty();
        type Slot<'a> = ((&'a mut [u64], &'a mut [f64]), &'a mut [u64]);
        let one = |(((h, s), c), shard): (Slot<'_>, usize)| -> Result<()> {
            let mut stats = BatchStats::new(h, s, units, dim)?;
            if masked {
                stats = stats.with_counts(c)?;
            }
            stats.clear();
            let range = shard * samples..((shard + 1) * samples).min(n);
            rows.each_block(range, self.missing, |_, block| {
                Ok(stats.accumulate(&map, block).map(drop)?)
            })
        };
        // Units per merge task.
        const MERGE: usize = 256;
        let all: Vec<usize> = mine.collect();
        // Shards' counts per component, or a run of empty slices when not masking.
        let per = if masked { units * dim } else { 0 };
        for group in all.chunks(wave) {
            let (shard_hits, shard_sums) = (&mut shards.hits, &mut shards.sums);
            let shard_counts = shards
                .counts
                .chunks_mut(per.max(1))
                .chain(std::iter::repeat_with(|| &mut [][..]));
            let slots = shard_hits
                .chunks_mut(units)
                .zip(shard_sums.chunks_mut(units * dim))
                .zip(shard_counts);
            if self.threads == 1 {
                slots.zip(group.iter().copied()).try_for_each(one)?;
            } else {
                let slots: Vec<_> = slots.zip(group.iter().copied()).collect();
                self.in_pool(|| slots.into_par_iter().try_for_each(one))?;
            }
            let count = group.len();
            let (shard_hits, shard_sums) = (&shards.hits, &shards.sums);
            let shard_counts = &shards.counts;
            let merge_counts = |(i, out): (usize, &mut [u64])| {
                for (j, o) in out.iter_mut().enumerate() {
                    let k = i * MERGE * dim + j;
                    *o = (0..count).fold(*o, |a, s| a.saturating_add(shard_counts[s * per + k]));
                }
            };
            let merge_hits = |(i, out): (usize, &mut [u64])| {
                for (u, o) in out.iter_mut().enumerate() {
                    let k = i * MERGE + u;
                    *o = (0..count).fold(*o, |a, s| a.saturating_add(shard_hits[s * units + k]));
                }
            };
            let merge_sums = |(i, out): (usize, &mut [Wide])| {
                let at = i * MERGE * dim;
                for (j, o) in out.iter_mut().enumerate() {
                    (0..count).for_each(|s| o.add(shard_sums[s * units * dim + at + j]));
                }
            };
            let parallel = self.threads != 1;
            let mut merge = || {
                for_each_chunk(parallel, hits, MERGE, merge_hits);
                for_each_chunk(parallel, counts, MERGE * dim, merge_counts);
                for_each_chunk(parallel, sums, MERGE * dim, merge_sums);
            };
            if parallel {
                self.in_pool(merge);
            } else {
                merge();
            }
        }
        Ok(())
    }

    /// Runs `f` on this map's threads: the global pool (all cores) by default, the map's own
    /// pool for a set count, or the calling thread alone for one.
    pub(crate) fn in_pool<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Best-matching units of flat, validated data, in parallel.
    pub(crate) fn bmus_into(&self, flat: &[f32], out: &mut [Bmu]) -> Result<()> {
        let dim = self.dim;
        self.searching(out.len(), |map| {
            if self.threads == 1 {
                return Ok(map.bmu_many(flat, out)?);
            }
            self.in_pool(|| {
                flat.par_chunks(TASK * dim)
                    .zip(out.par_chunks_mut(TASK))
                    .try_for_each(|(d, o)| map.bmu_many(d, o))
            })?;
            Ok(())
        })
    }
}

/// Adds every process's hit counts and exact sums, in place (nothing to do alone). The sums
/// travel as integer digits, so the total is exact whatever order the processes add in.
fn combine_exact(combine: &dyn Combine, hits: &mut [u64], sums: &mut [Wide]) -> Result<()> {
    if combine.size() == 1 {
        return Ok(());
    }
    let what = || "the sums sent between ranks".to_string();
    let mut values: Vec<i64> = zeros(hits.len() + sums.len() * DIGITS, what)?;
    let (h, d) = values.split_at_mut(hits.len());
    h.iter_mut()
        .zip(hits.iter())
        .for_each(|(v, &n)| *v = n.min(i64::MAX as u64) as i64);
    d.chunks_mut(DIGITS)
        .zip(sums.iter())
        .for_each(|(out, w)| w.to_digits(out));
    combine.sum(&mut values)?;
    let (h, d) = values.split_at(hits.len());
    hits.iter_mut()
        .zip(h)
        .for_each(|(n, &v)| *n = v.max(0) as u64);
    sums.iter_mut()
        .zip(d.chunks(DIGITS))
        .for_each(|(w, digits)| *w = Wide::from_digits(digits));
    Ok(())
}

/// The error for a samples start that drew sample `i` of the file `name`, which misses
/// component `c`.
fn drawn_missing(name: &str, i: usize, c: usize) -> Error {
    Error::Invalid(format!(
        "{name}: the samples start drew sample {i}, which has a missing value at component {c}; expected a random or data-range start, or a codebook"
    ))
}

/// Checks that squared distances of data in `range` (per dimension) stay finite in `f32`:
/// past that, every unit is as far as every other and training learns nothing. A dimension
/// with no known value (an empty range, `lo > hi`, when every sample misses it) has no
/// magnitude.
pub(crate) fn check_magnitude(range: &[(f32, f32)]) -> Result<()> {
    let largest = range
        .iter()
        .filter(|(lo, hi)| lo <= hi)
        .fold(0.0f32, |m, &(lo, hi)| m.max(lo.abs()).max(hi.abs()));
    let bound = (f64::from(f32::MAX) / range.len().max(1) as f64).sqrt() / 2.0;
    if f64::from(largest) > bound {
        return Err(Error::Invalid(format!(
            "a value of magnitude {largest:e}; expected at most {bound:.3e} for dim {} (larger squared distances overflow f32): scale the data",
            range.len()
        )));
    }
    Ok(())
}

/// The shards of batch statistics, and buffers for one wave of them at a time.
struct Shards {
    /// Samples per shard (the last may have fewer).
    samples: usize,
    count: usize,
    /// Shards computed at once (each with its own buffers): one per thread.
    wave: usize,
    /// `wave` blocks of `units` hit counts, and of `units * dim` sums (and, masking, counts
    /// per component).
    hits: Vec<u64>,
    sums: Vec<f64>,
    counts: Vec<u64>,
}

/// Fewest samples per shard: below this, a shard's statistics cost more to clear and merge
/// than its samples to search.
const SHARD_MIN: usize = 2048;
/// Most samples per shard when there are more than [`SHARDS_MAX`] shards, so that a large data
/// set has shards for many threads and MPI ranks. Adding a shard to the exact sums costs about
/// what searching 60 of its samples does (measured), 0.1% of a full shard.
const SHARD_MOST: usize = 1 << 16;
/// Most shards for data of up to `SHARDS_MAX * SHARD_MOST` samples.
const SHARDS_MAX: usize = 8;
/// Most memory for the statistics of the shards computed at once.
const SHARD_BYTES: usize = 64 << 20;

impl Shards {
    /// Shards for `n` samples: their size depends only on `n` and the map's size, never on the
    /// thread or process count (the results depend on it); one shard in flight per thread.
    fn new(n: usize, units: usize, dim: usize, threads: usize, masked: bool) -> Result<Self> {
        let memory = shard_memory(units, dim);
        let samples = shard_samples(n, units, dim);
        let count = n.div_ceil(samples).max(1);
        let wave = threads.clamp(1, memory).min(count);
        let what = || format!("batch training's sums for {wave} shards");
        Ok(Self {
            samples,
            count,
            wave,
            hits: zeros(wave * units, what)?,
            sums: zeros(wave * units * dim, what)?,
            counts: zeros(if masked { wave * units * dim } else { 0 }, what)?,
        })
    }

    /// The shards of process `rank` of `size`: a contiguous run, as even as can be.
    fn part(&self, rank: usize, size: usize) -> Range<usize> {
        let at = |r: usize| (self.count as u128 * r as u128 / size.max(1) as u128) as usize;
        at(rank)..at(rank + 1)
    }

    /// The shards this process works on: those of its part of the samples (which must be
    /// whole shards), or its run of them.
    fn mine(&self, rows: &Blocks<'_>, combine: &dyn Combine) -> Result<Range<usize>> {
        let Blocks::Part(part) = rows else {
            return Ok(self.part(combine.rank(), combine.size()));
        };
        let held = part.range();
        let whole = |i: usize| i.is_multiple_of(self.samples) || i == part.total();
        if !whole(held.start) || !whole(held.end) {
            return Err(Error::Invalid(format!(
                "a part of samples {held:?} of {} for batch training: expected whole shards of {} samples (a part read for this map)",
                part.total(),
                self.samples
            )));
        }
        // An empty part at the end starts at the last sample, no shard's start (unless the
        // shards fill the samples): rounded up, it holds no shard.
        Ok(held.start.div_ceil(self.samples)..held.end.div_ceil(self.samples))
    }
}

/// Shards whose statistics fit in [`SHARD_BYTES`] for a map of `units` of `dim`.
fn shard_memory(units: usize, dim: usize) -> usize {
    let bytes = units * (dim + 1) * 8;
    (SHARD_BYTES / bytes.max(1)).max(1)
}

/// Samples per shard of batch training on `n` samples with a map of `units` of `dim`: never
/// dependent on the thread or process count (the results depend on it).
pub(crate) fn shard_samples(n: usize, units: usize, dim: usize) -> usize {
    let most = SHARDS_MAX
        .min(shard_memory(units, dim))
        .max(n.div_ceil(SHARD_MOST));
    n.div_ceil(n.div_ceil(SHARD_MIN).clamp(1, most)).max(1)
}

/// How `clock` counts `steps` online steps over `n` samples: the schedule steps they span (the
/// total the schedules run over), and the steps that share one (1, or the `n` of an epoch:
/// step `t` is schedule step `t / per`).
fn schedule_steps(clock: Clock, steps: u64, n: u64) -> (u64, u64) {
    match clock {
        Clock::Sample => (steps, 1),
        Clock::Epoch => (steps.div_ceil(n), n),
    }
}

/// Runs `f` on every `size`-long chunk of `out` with its index: in parallel (in the pool it is
/// called in), or in order.
fn for_each_chunk<T: Send>(
    parallel: bool,
    out: &mut [T],
    size: usize,
    f: impl Fn((usize, &mut [T])) + Send + Sync,
) {
    if parallel {
        out.par_chunks_mut(size).enumerate().for_each(f);
    } else {
        out.chunks_mut(size).enumerate().for_each(f);
    }
}

/// Fisher-Yates shuffle driven by the map's generator.
fn shuffle<R: rand_xoshiro::rand_core::Rng>(v: &mut [usize], rng: &mut R) {
    for i in (1..v.len()).rev() {
        v.swap(i, init::index(rng, i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use som_kernel::{Schedule, Shape};

    /// The online loop as it was before the fused step: `Training::step` per sample, the
    /// permutation drawn at the start of each pass.
    fn stepwise(som: &mut Som, flat: &[f32], steps: u64, order: Order) {
        let dim = som.dim;
        let n = (flat.len() / dim) as u64;
        let training = som.training;
        let (clock_total, per) = schedule_steps(training.clock, steps, n);
        let mut perm: Vec<usize> = (0..n as usize).collect();
        for t in 0..steps {
            let i = (t % n) as usize;
            if order == Order::Shuffled && i == 0 {
                shuffle(&mut perm, &mut som.rng);
            }
            let k = if order == Order::Shuffled { perm[i] } else { i };
            let x = &flat[k * dim..(k + 1) * dim];
            training
                .step(&mut som.view_mut(), x, t / per, clock_total)
                .unwrap();
        }
    }

    #[test]
    fn fused_online_training_is_stepwise_training_bit_for_bit() {
        let (n, dim) = (13, 5);
        let flat: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 37) % 23) as f32 * 0.3 - 2.0)
            .collect();
        let samples = crate::Flat::new(&flat, dim).unwrap();
        let bits = |s: &Som| s.weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        for (shape, clock) in [
            (Shape::Gaussian, Clock::Sample),
            (Shape::Bubble, Clock::Epoch),
        ] {
            for order in [Order::Sequential, Order::Shuffled] {
                // Within a pass, at a pass's end, one past it, several passes and a half.
                for steps in [0, 1, 2, 12, 13, 14, 26, 45] {
                    let build = || {
                        Som::builder(4, 9, dim)
                            .neighbourhood(shape)
                            .clock(clock)
                            .cutoff(1e-3)
                            .sigma(Schedule::Asymptotic { start: 3.0 })
                            .seed(7)
                            .threads(1)
                            .build()
                            .unwrap()
                    };
                    let (mut fused, mut apart) = (build(), build());
                    fused.initialise(Some(&flat)).unwrap();
                    apart.initialise(Some(&flat)).unwrap();
                    fused.train_online(&samples, steps, order).unwrap();
                    stepwise(&mut apart, &flat, steps, order);
                    let case = format!("{shape:?} {clock:?} {order:?} {steps} steps");
                    assert_eq!(bits(&fused), bits(&apart), "{case}");
                    // The generator is where it was: the next call shuffles alike.
                    assert_eq!(fused.rng, apart.rng, "{case}");
                    fused.train_online(&samples, 20, order).unwrap();
                    stepwise(&mut apart, &flat, 20, order);
                    assert_eq!(bits(&fused), bits(&apart), "{case}, then 20 more");
                }
            }
        }
    }
}
