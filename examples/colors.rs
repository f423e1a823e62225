//! The "Self-Organizing Maps with TensorFlow" example, reproduced: a 20x30 map trained for 400
//! iterations on 15 RGB colours.
//!
//! `cargo run --release --example colors` prints the training time, the map's quality and
//! where each colour landed, and writes `colors.png`: the trained colour grid with the names
//! at their best-matching units, like the example's figure.

use som_std::Som;
use som_std::datasets::COLOURS;
use som_std::picture::{self, Style};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let colours = som_std::datasets::colours();
    let mut som = Som::seed(20, 30, 3, 400, None, None)?;
    let start = Instant::now();
    som.train(colours.as_slice())?;
    let elapsed = start.elapsed();
    println!(
        "trained a 20x30 map for 400 iterations on 15 colours in {:.2} ms",
        elapsed.as_secs_f64() * 1e3
    );
    println!(
        "quantization error {:.4}",
        som.quantization_error(colours.as_slice())?
    );
    println!(
        "topographic error  {:.4}",
        som.topographic_error(colours.as_slice())?
    );
    let places = som.map(colours.as_slice())?;
    for ((_, name), (row, col)) in COLOURS.iter().zip(&places) {
        println!("{name:>10} -> row {row:2}, col {col:2}");
    }
    let style = Style {
        title: Some("Colour SOM".into()),
        colour_bar: false,
        ..Style::default()
    };
    let labels: Vec<(usize, &str)> = places
        .iter()
        .zip(&COLOURS)
        .map(|(&(r, c), (_, name))| (r * 30 + c, *name))
        .collect();
    let mut image = picture::rgb(som.grid(), &som.codebook(), &style)?;
    image.labels(&labels)?;
    image.save_png("colors.png")?;
    println!("wrote colors.png");
    Ok(())
}
