//! Weight updates, lanes across units: the online step ([`online`]) and the batch apply
//! ([`batch`]), with `h` from [`field`].

mod batch;
mod field;
mod online;

pub(crate) use batch::batch;
#[cfg(feature = "missing")]
pub(crate) use batch::batch_by_component;
pub(crate) use online::{online, online_then_bmu};
