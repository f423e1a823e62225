//! The kernel's settings by the names users type (the CLI's values), for messages: never a
//! Rust debug name such as `MexicanHat`.

use som_kernel::{Boundary, Shape, Topology};

/// `gaussian`, `bubble`, `triangle` or `mexican-hat`.
pub fn shape(s: Shape) -> &'static str {
    match s {
        Shape::Gaussian => "gaussian",
        Shape::Bubble => "bubble",
        Shape::Triangle => "triangle",
        Shape::MexicanHat => "mexican-hat",
    }
}

/// `planar` or `toroidal`.
pub fn boundary(b: Boundary) -> &'static str {
    match b {
        Boundary::Planar => "planar",
        Boundary::Toroidal => "toroidal",
    }
}

/// `rect` or `hex`.
pub fn topology(t: Topology) -> &'static str {
    match t {
        Topology::Rectangular => "rect",
        Topology::Hexagonal => "hex",
    }
}
