//! Weight updates, lanes across units: the online step ([`online`]) and the batch apply
//! ([`batch`]), with `h` from [`field`].

mod batch;
mod field;
mod online;

pub(crate) use batch::batch;
pub(crate) use online::{online, online_then_bmu};
