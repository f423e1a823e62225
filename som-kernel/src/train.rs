//! Online training: schedules, neighbourhood and the step loop, with no allocation.

use crate::distance::Bmu;
use crate::error::{Error, Result};
use crate::map::{MapMut, sample_count};
use crate::neighbourhood::{Neighbourhood, Shape};
use crate::schedule::Schedule;

/// What the step `t` of the schedules counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// Every sample presented is one step (MiniSom, SOM_PAK).
    #[default]
    Sample,
    /// All samples of an epoch share one step (the TensorFlow example).
    Epoch,
}

crate::named!("clock", Clock {
    Sample => "sample",
    Epoch => "epoch",
});

/// How a map learns online: neighbourhood shape and cut-off, learning-rate and width
/// schedules, and what their clock counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// Shape of the neighbourhood.
    pub shape: Shape,
    /// Learning rate over time.
    pub alpha: Schedule,
    /// Neighbourhood width (sigma, or radius for bubble and triangle) over time.
    pub sigma: Schedule,
    /// `|h|` below this counts as 0 and is skipped.
    pub cutoff: f32,
    /// What a step of the schedules is.
    pub clock: Clock,
}

impl Training {
    /// Checks the schedules and the cut-off.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the bad value.
    pub fn validate(&self) -> Result<()> {
        named(
            self.alpha.validate(),
            "alpha (initial learning rate)",
            "alpha's final value",
        )?;
        named(
            self.sigma.validate(),
            "sigma (initial neighbourhood width)",
            "sigma's final value",
        )?;
        Neighbourhood::new(self.shape, self.sigma.start())?.with_cutoff(self.cutoff)?;
        Ok(())
    }

    /// The neighbourhood and learning rate at step `t` of `total`.
    ///
    /// # Errors
    /// [`Error::Parameter`] if a schedule gives a non-positive value at `t`.
    pub fn at(&self, t: u64, total: u64) -> Result<(Neighbourhood, f32)> {
        let nb =
            Neighbourhood::new(self.shape, self.sigma.at(t, total))?.with_cutoff(self.cutoff)?;
        let alpha = self.alpha.at(t, total);
        crate::error::check_positive("alpha (learning rate)", alpha)?;
        Ok((nb, alpha))
    }

    /// One step: find the winner of `x`, move its neighbourhood towards `x`.
    ///
    /// # Errors
    /// As [`Training::at`] and [`MapMut::train_step`].
    pub fn step(&self, map: &mut MapMut<'_>, x: &[f32], t: u64, total: u64) -> Result<Bmu> {
        let (nb, alpha) = self.at(t, total)?;
        map.train_step(x, &nb, alpha)
    }

    /// `epochs` passes over `data` in order. The schedules run over all of them: `t` counts
    /// samples (`epochs * n` steps) or epochs, as [`Training::clock`] says.
    ///
    /// With masking ([`MapMut::with_missing`]), a sample with every component missing
    /// trains nothing but still counts as a step of the schedules, as in SOM_PAK.
    ///
    /// # Errors
    /// [`Error::Length`] unless `data` is whole samples; [`Error::NonFinite`] for NaN or
    /// infinity in it (with masking: infinity; checked first, so the map is untouched); as
    /// [`Training::step`].
    pub fn online(&self, map: &mut MapMut<'_>, data: &[f32], epochs: u64) -> Result<()> {
        self.validate()?;
        let dim = map.dim();
        let n = sample_count(data, dim)? as u64;
        crate::missing::check_data(map.missing(), data, dim)?;
        if n == 0 {
            return Err(Error::Zero { what: "samples" });
        }
        let (total, per) = match self.clock {
            Clock::Sample => (epochs.saturating_mul(n), 1),
            Clock::Epoch => (epochs, n),
        };
        let sample = |t: u64| {
            let at = (t.checked_rem(n).unwrap_or(0) as usize).saturating_mul(dim);
            data.get(at..at.saturating_add(dim)).unwrap_or(&[])
        };
        self.online_steps(map, 0..epochs.saturating_mul(n), per, total, sample)?;
        Ok(())
    }

    /// The online loop: steps `steps` of a training whose schedules run over `total` steps,
    /// step `t` presenting `sample(t)` at schedule step `t / per` (`per` samples share a
    /// schedule step: 1, or the samples of an epoch). `sample` is called once per step, in
    /// order. Every online driver is this loop: [`Training::online`], and in `som-std`
    /// shuffled and stepped training, streaming one sample at a time and training watched
    /// every so many steps (a run cut into ranges gives the same map, bit for bit, as one
    /// range). Returns the best-matching unit of the last step's sample before its update
    /// (`None` for no steps).
    ///
    /// Each step's update also finds the winner of the sample presented next
    /// ([`MapMut::update_then_bmu`]): one sweep over the codebook per step, not two.
    ///
    /// # Errors
    /// A schedule that fails at the last step (checked first); as [`MapMut::update`] for a
    /// sample (the map keeps the steps before it).
    pub fn online_steps<'d>(
        &self,
        map: &mut MapMut<'_>,
        steps: core::ops::Range<u64>,
        per: u64,
        total: u64,
        mut sample: impl FnMut(u64) -> &'d [f32],
    ) -> Result<Option<Bmu>> {
        let per = per.max(1);
        let Some(last) = steps.end.checked_sub(1).filter(|&l| l >= steps.start) else {
            return Ok(None);
        };
        // A schedule that fails at the last step fails now, not after all the others.
        self.at(last / per, total)?;
        let mut x = sample(steps.start);
        let mut winner = map.as_map().bmu(x)?;
        for t in steps {
            let (nb, alpha) = self.at(t / per, total)?;
            // A sample without a unit (every component missing, with masking) trains nothing.
            match winner.found() {
                Some(w) if t < last => {
                    let next = sample(t + 1);
                    winner = map.update_then_bmu(x, w, &nb, alpha, next)?;
                    x = next;
                }
                Some(w) => map.update(x, w, &nb, alpha)?,
                None if t < last => {
                    x = sample(t + 1);
                    winner = map.as_map().bmu(x)?;
                }
                None => {}
            }
        }
        Ok(Some(winner))
    }
}

/// Renames a schedule's parameter errors after the parameter it schedules.
fn named(r: Result<Schedule>, start: &'static str, end: &'static str) -> Result<Schedule> {
    r.map_err(|e| match e {
        Error::Parameter {
            what: "schedule end",
            expected,
            got,
        } => Error::Parameter {
            what: end,
            expected,
            got,
        },
        Error::Parameter { expected, got, .. } => Error::Parameter {
            what: start,
            expected,
            got,
        },
        e => e,
    })
}
