//! `som planes`: one picture per component of a map, every unit coloured by its weight of
//! that component, named by the data's column names when a header gives them.

use super::{check_picture, draw_map, save};
use crate::data;
use crate::flags::Planes;
use crate::stdout::Stdout;
use som_std::io::TextFile;
use som_std::picture::{self, Style};
use som_std::{Error, Som};
use std::path::{MAIN_SEPARATOR, Path, PathBuf};

pub fn run(args: Planes, out: &mut Stdout) -> Result<(), Error> {
    let som = data::codebook(&args.codebook)?;
    let names = component_names(&args, &som)?;
    let into_dir = args.out.is_dir() || ends_with_separator(&args.out);
    if into_dir {
        std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
            file: args.out.display().to_string(),
            source,
        })?;
    }
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|name| file_of(&args.out, into_dir, name))
        .collect();
    // Every file is checked before the first is drawn.
    let mut files = args.inputs();
    for path in &paths {
        check_picture("--out", path)?;
        files.outputs.push(("--out", path));
    }
    files.check_outputs()?;
    let codebook = som.codebook();
    for (component, (name, path)) in names.iter().zip(&paths).enumerate() {
        let picture = draw_map(args.cell.cell, |cell| {
            let style = Style {
                title: Some(name.clone()),
                cell,
                ..Style::default()
            };
            picture::component_plane(som.grid(), &codebook, som.dim(), component, &style)
        })?;
        save(&picture, path)?;
        out.line(format_args!("wrote {}", path.display()))?;
    }
    Ok(())
}

/// Each component's name: the --data file's column names when its header gives them, else
/// `component-I`.
fn component_names(args: &Planes, som: &Som) -> Result<Vec<String>, Error> {
    let numbered = (0..som.dim()).map(|i| format!("component-{i}")).collect();
    let Some(path) = &args.data else {
        return Ok(numbered);
    };
    let file =
        TextFile::open(path, None, args.delimiter).map_err(|e| crate::flag_error("--data", e))?;
    if file.dim() != som.dim() {
        return Err(Error::Invalid(format!(
            "the codebook {} has dim {}, the data {} dim {}; expected the same",
            args.codebook.codebook.display(),
            som.dim(),
            path.display(),
            file.dim()
        )));
    }
    let Some(columns) = file.columns() else {
        return Ok(numbered);
    };
    let names: Vec<String> = columns.iter().map(|c| file_name(c)).collect();
    // Names that would share a file (or have no letter left) fall back to numbers.
    let names = names
        .iter()
        .zip(numbered)
        .map(|(name, number)| {
            let unique = names.iter().filter(|n| *n == name).count() == 1;
            if unique && !name.is_empty() {
                name.clone()
            } else {
                number
            }
        })
        .collect();
    Ok(names)
}

/// A column name as part of a file name: letters, digits, `-`, `_` and `.` kept, anything
/// else `_`.
fn file_name(column: &str) -> String {
    let name: String = column
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.trim_matches('.').to_string()
}

/// Whether a path was typed as a directory (`planes/`).
fn ends_with_separator(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(MAIN_SEPARATOR)
}

/// The picture of the component `name`: `DIR/NAME.png` into a directory, else
/// `PREFIXNAME.png`.
fn file_of(out: &Path, into_dir: bool, name: &str) -> PathBuf {
    if into_dir {
        return out.join(format!("{name}.png"));
    }
    let mut file = out.as_os_str().to_owned();
    file.push(format!("{name}.png"));
    PathBuf::from(file)
}
