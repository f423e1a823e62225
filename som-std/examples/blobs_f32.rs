//! Writes a synthetic raw `.f32` data set of any size, a block at a time: `rows` samples of
//! `dim` values around 16 centres, for trying batch training on files larger than memory and
//! across MPI ranks.
//!
//! `cargo run --release -p som-std --example blobs_f32 -- big.f32 125000000 16` (8 GB)

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, rows, dim] = args.as_slice() else {
        return Err("usage: blobs_f32 OUT.f32 ROWS DIM".into());
    };
    let (rows, dim): (u64, usize) = (rows.parse()?, dim.parse()?);
    if dim == 0 {
        return Err("DIM: expected at least 1".into());
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(path)?);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let mut block = Vec::with_capacity(4 << 20);
    for i in 0..rows {
        let centre = (i.wrapping_mul(0x9e37_79b9) >> 7) % 16;
        for d in 0..dim {
            let at = ((centre as usize * 7 + d * 3) % 16) as f32;
            block.extend_from_slice(&(at + next() * 2.0).to_le_bytes());
        }
        if block.len() >= 4 << 20 {
            out.write_all(&block)?;
            block.clear();
        }
    }
    out.write_all(&block)?;
    out.flush()?;
    Ok(())
}
