//! Small data sets that examples, tests and benchmarks share.

/// The 15 colours of the "Self-Organizing Maps with TensorFlow" example, with their names,
/// in the example's order.
pub const COLOURS: [([f32; 3], &str); 15] = [
    ([0., 0., 0.], "black"),
    ([0., 0., 1.], "blue"),
    ([0., 0., 0.5], "darkblue"),
    ([0.125, 0.529, 1.0], "skyblue"),
    ([0.33, 0.4, 0.67], "greyblue"),
    ([0.6, 0.5, 1.0], "lilac"),
    ([0., 1., 0.], "green"),
    ([1., 0., 0.], "red"),
    ([0., 1., 1.], "cyan"),
    ([1., 0., 1.], "violet"),
    ([1., 1., 0.], "yellow"),
    ([1., 1., 1.], "white"),
    ([0.33, 0.33, 0.33], "darkgrey"),
    ([0.5, 0.5, 0.5], "mediumgrey"),
    ([0.66, 0.66, 0.66], "lightgrey"),
];

/// The example's colours alone, as training data.
pub fn colours() -> Vec<[f32; 3]> {
    COLOURS.iter().map(|(c, _)| *c).collect()
}
