//! Training drivers: online (in order, shuffled, by epochs or steps, streaming) and batch.

use crate::data::{Samples, flatten, validate};
use crate::error::{Error, Result};
use crate::som::{Order, Som, zeros};
use rayon::prelude::*;
use som_kernel::{BatchStats, Bmu, Clock, Map, Neighbourhood, init};
use std::borrow::Cow;

/// Samples per parallel task in whole-data BMU searches.
const TASK: usize = 512;

impl Som {
    /// Validates `data`, runs a pending data-dependent initialisation, and returns the data
    /// flat (borrowed when it already is).
    fn prepare<'d, S: Samples + ?Sized>(&mut self, data: &'d S) -> Result<Cow<'d, [f32]>> {
        validate(data, self.dim)?;
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
        self.train_online_with_progress(data, steps, order, |_, _| {})
    }

    /// [`Som::train_online`], calling `progress(done, steps)` about a hundred times.
    ///
    /// # Errors
    /// As [`Som::train`].
    pub fn train_online_with_progress<S: Samples + ?Sized>(
        &mut self,
        data: &S,
        steps: u64,
        order: Order,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<()> {
        let flat = self.prepare(data)?;
        let dim = self.dim;
        let n = (flat.len() / dim) as u64;
        let training = self.training;
        let (clock_total, per) = match training.clock {
            Clock::Sample => (steps, 1),
            Clock::Epoch => (steps.div_ceil(n), n),
        };
        let report = (steps / 100).max(1);
        if steps == 0 {
            return Ok(());
        }
        // A schedule that fails at the last step fails now, not after all the others.
        training.at((steps - 1) / per, clock_total)?;
        // Step `t` presents sample `t mod n` of the pass, through a fresh permutation per pass
        // when shuffled. Each step's update also finds the winner of the sample presented at
        // the next step (`update_then_bmu`): one sweep over the codebook per step, not two. So
        // the next pass is shuffled one step early, but only when there is a next step: the
        // generator ends where it would have.
        let shuffled = order == Order::Shuffled;
        let mut perm: Vec<usize> = (0..n as usize).collect();
        let sample_at = |t: u64, perm: &mut [usize], rng: &mut _| {
            let i = (t % n) as usize;
            if shuffled && i == 0 {
                shuffle(perm, rng);
            }
            if shuffled { perm[i] } else { i }
        };
        let mut k = sample_at(0, &mut perm, &mut self.rng);
        let mut winner = self.view().bmu(&flat[k * dim..(k + 1) * dim])?.unit;
        for t in 0..steps {
            let (nb, alpha) = training.at(t / per, clock_total)?;
            let x = &flat[k * dim..(k + 1) * dim];
            if t + 1 < steps {
                let next = sample_at(t + 1, &mut perm, &mut self.rng);
                let y = &flat[next * dim..(next + 1) * dim];
                winner = self
                    .view_mut()
                    .update_then_bmu(x, winner, &nb, alpha, y)?
                    .unit;
                k = next;
            } else {
                self.view_mut().update(x, winner, &nb, alpha)?;
            }
            if (t + 1) % report == 0 {
                progress(t + 1, steps);
            }
        }
        Ok(())
    }

    /// One online step on one sample, for streams: the schedules continue from the previous
    /// call (over [`crate::SomBuilder::stream_steps`] steps, then stay at their final value).
    /// Returns the sample's best-matching unit before the update.
    ///
    /// # Errors
    /// A sample of the wrong length or with NaN.
    pub fn partial_fit(&mut self, x: &[f32]) -> Result<usize> {
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
        let b = training.step(&mut self.view_mut(), x, t, total)?;
        self.streamed += 1;
        Ok(b.unit)
    }

    /// Batch training: each epoch finds every sample's best-matching unit (in parallel), then
    /// moves every unit to the neighbourhood-weighted mean of the samples. The width schedule
    /// runs from its start at the first epoch to its end at the last (`t / T = e / (E - 1)`),
    /// as in XPySom and Somoclu; the learning rate plays no part. The same result for any
    /// thread count.
    ///
    /// # Errors
    /// As [`Som::train`], and a neighbourhood that can be negative (Mexican hat).
    pub fn train_batch<S: Samples + ?Sized>(&mut self, data: &S, epochs: u64) -> Result<()> {
        self.train_batch_with_progress(data, epochs, |_, _| {})
    }

    /// [`Som::train_batch`], calling `progress(done, epochs)` after every epoch.
    ///
    /// Each epoch, the samples are cut into shards of a size that depends only on the data and
    /// the map (never on the thread count); each shard finds its samples' best-matching units
    /// and sums them into statistics of its own (fused, so a shard's samples are read once,
    /// while in cache), in parallel; the shards are then merged in shard order, in parallel
    /// over units. Every sum is thus added in the same order whatever the threads: results
    /// are bit-identical for any thread count. The shard buffers are allocated once per call.
    ///
    /// # Errors
    /// As [`Som::train_batch`].
    pub fn train_batch_with_progress<S: Samples + ?Sized>(
        &mut self,
        data: &S,
        epochs: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<()> {
        let flat = self.prepare(data)?;
        let (units, dim) = (self.grid.units(), self.dim);
        let mut shards = Shards::new(flat.len() / dim, units, dim)?;
        let what = || "batch training's sums".to_string();
        let (mut hits, mut sums) = (zeros(units, what)?, zeros(units * dim, what)?);
        let training = self.training;
        let neighbourhood = |e: u64| {
            let sigma = training.sigma.at(e, epochs.saturating_sub(1).max(1));
            Neighbourhood::new(training.shape, sigma)?.with_cutoff(training.cutoff)
        };
        // A width that fails at the last epoch fails now, not after all the others.
        neighbourhood(epochs.saturating_sub(1))?;
        for e in 0..epochs {
            self.batch_statistics(&flat, &mut shards, &mut hits, &mut sums)?;
            let nb = neighbourhood(e)?;
            self.view_mut().apply_batch(&hits, &sums, &nb)?;
            progress(e + 1, epochs);
        }
        Ok(())
    }

    /// Batch statistics of flat, validated data into `hits` and `sums`: per shard (BMU search
    /// and sums fused), then merged in shard order. Deterministic for any thread count.
    fn batch_statistics(
        &self,
        flat: &[f32],
        shards: &mut Shards,
        hits: &mut [u64],
        sums: &mut [f64],
    ) -> Result<()> {
        let (units, dim) = (self.grid.units(), self.dim);
        let map: Map<'_> = self.view();
        let size = shards.samples * dim;
        let one = |((h, s), d): ((&mut [u64], &mut [f64]), &[f32])| -> Result<()> {
            let mut stats = BatchStats::new(h, s, units, dim)?;
            stats.clear();
            stats.accumulate(&map, d)?;
            Ok(())
        };
        // Units per merge task.
        const MERGE: usize = 256;
        let count = shards.count;
        let (shard_hits, shard_sums) = (&mut shards.hits, &mut shards.sums);
        if self.threads == 1 {
            shard_hits
                .chunks_mut(units)
                .zip(shard_sums.chunks_mut(units * dim))
                .zip(flat.chunks(size))
                .try_for_each(one)?;
        } else {
            self.in_pool(|| {
                shard_hits
                    .par_chunks_mut(units)
                    .zip(shard_sums.par_chunks_mut(units * dim))
                    .zip(flat.par_chunks(size))
                    .try_for_each(one)
            })?;
        }
        let (shard_hits, shard_sums) = (&shards.hits, &shards.sums);
        let merge_hits = |(i, out): (usize, &mut [u64])| {
            for (u, o) in out.iter_mut().enumerate() {
                let k = i * MERGE + u;
                *o = (0..count).fold(0u64, |a, s| a.saturating_add(shard_hits[s * units + k]));
            }
        };
        // Sums of MERGE units at a time; each value adds the shards in order, from 0.
        let merge_sums = |(i, out): (usize, &mut [f64])| {
            let at = i * MERGE * dim;
            for (j, o) in out.iter_mut().enumerate() {
                *o = (0..count).fold(0.0f64, |a, s| a + shard_sums[s * units * dim + at + j]);
            }
        };
        if self.threads == 1 {
            hits.chunks_mut(MERGE).enumerate().for_each(merge_hits);
            sums.chunks_mut(MERGE * dim)
                .enumerate()
                .for_each(merge_sums);
        } else {
            self.in_pool(|| {
                hits.par_chunks_mut(MERGE).enumerate().for_each(merge_hits);
                sums.par_chunks_mut(MERGE * dim)
                    .enumerate()
                    .for_each(merge_sums);
            });
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
        let map: Map<'_> = self.view();
        if self.threads == 1 {
            return Ok(map.bmu_many(flat, out)?);
        }
        let dim = self.dim;
        self.in_pool(|| {
            flat.par_chunks(TASK * dim)
                .zip(out.par_chunks_mut(TASK))
                .try_for_each(|(d, o)| map.bmu_many(d, o))
        })?;
        Ok(())
    }
}

/// Per-shard batch statistics, allocated once per batch training.
struct Shards {
    /// Samples per shard (the last may have fewer).
    samples: usize,
    count: usize,
    /// `count` blocks of `units` hit counts, and of `units * dim` sums.
    hits: Vec<u64>,
    sums: Vec<f64>,
}

/// Fewest samples per shard: below this, a shard's statistics cost more to clear and merge
/// than its samples to search.
const SHARD_MIN: usize = 2048;
/// Most shards: enough to keep a few threads busy, few enough to merge cheaply.
const SHARDS_MAX: usize = 8;
/// Most memory for all shards' statistics together.
const SHARD_BYTES: usize = 64 << 20;

impl Shards {
    /// Shards for `n` samples: their size depends only on `n` and the map's size, never on the
    /// thread count (the results depend on it).
    fn new(n: usize, units: usize, dim: usize) -> Result<Self> {
        let bytes = units * (dim + 1) * 8;
        let most = SHARDS_MAX.min(SHARD_BYTES / bytes.max(1)).max(1);
        let samples = n.div_ceil(n.div_ceil(SHARD_MIN).clamp(1, most)).max(1);
        let count = n.div_ceil(samples).max(1);
        let what = || format!("batch training's sums for {count} shards");
        Ok(Self {
            samples,
            count,
            hits: zeros(count * units, what)?,
            sums: zeros(count * units * dim, what)?,
        })
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
        let (clock_total, per) = match training.clock {
            Clock::Sample => (steps, 1),
            Clock::Epoch => (steps.div_ceil(n), n),
        };
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
