//! Missing values, SOM_PAK's way: with [`Missing::Mask`], a NaN component of a sample is
//! missing. It is left out of the distance (no rescaling: the sum runs over the components
//! that are there), the update leaves that component of every unit alone, and batch
//! statistics count each component apart. A sample with every component missing has no
//! best-matching unit ([`crate::Bmu::NONE`]) and trains nothing.

/// What a NaN in a sample means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Not allowed: training refuses data with NaN (naming the sample and component), and a
    /// search measures a NaN distance, ranked last.
    #[default]
    Error,
    /// A missing component, left out of distances and updates (SOM_PAK's `x`).
    Mask,
}

// The command line's and saved maps' names.
crate::named!("missing-value policy", Missing {
    Error => "error",
    Mask => "mask",
});

/// How much of a sample a search sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Present {
    /// Every component (always, without masking): the plain search.
    All,
    /// Some: the masked search.
    Some,
    /// None: no best-matching unit.
    None,
}

impl Present {
    /// What `missing` makes of `x` (a scan only where masking is on).
    #[inline]
    pub(crate) fn of(missing: Missing, x: &[f32]) -> Present {
        if missing == Missing::Error {
            return Present::All;
        }
        let absent = x.iter().filter(|v| v.is_nan()).count();
        if absent == 0 {
            Present::All
        } else if absent < x.len() {
            Present::Some
        } else {
            Present::None
        }
    }
}

/// Checks that no value of `data` (rows of `dim`) is infinite; NaN is allowed (missing).
pub(crate) fn check_no_infinity(data: &[f32], dim: usize) -> crate::Result<()> {
    match data.iter().position(|v| v.is_infinite()) {
        None => Ok(()),
        Some(i) => Err(crate::Error::NonFinite {
            sample: i / dim.max(1),
            component: i % dim.max(1),
        }),
    }
}

/// Checks `data` for training under `missing`: finite values, or with masking NaN allowed.
pub(crate) fn check_data(missing: Missing, data: &[f32], dim: usize) -> crate::Result<()> {
    match missing {
        Missing::Error => crate::error::check_finite(data, dim),
        Missing::Mask => check_no_infinity(data, dim),
    }
}
