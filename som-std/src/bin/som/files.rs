//! The one check of a command's output files, before any work: each can be written
//! ([`check_writable`]: not a directory nor a link to nothing, a name the file system takes, a
//! directory that exists and takes a new file), and each is a file of its own, apart from every
//! input and every other output. Writing over an input would replace what was read
//! (`--history d.csv --data d.csv`), two outputs in one file would lose one.

use som_std::Error;
use som_std::io::check_writable;
use std::path::{Path, PathBuf};

/// The files a command reads and writes, each with the flag that names it.
#[derive(Default)]
pub struct Files<'a> {
    pub inputs: Vec<(&'static str, &'a Path)>,
    pub outputs: Vec<(&'static str, &'a Path)>,
}

impl Files<'_> {
    /// Checks every output, in order: writable, not an input, not an earlier output. The
    /// error names the flags and the path.
    pub fn check_outputs(&self) -> Result<(), Error> {
        for (i, &(flag, path)) in self.outputs.iter().enumerate() {
            check_writable(path).map_err(|e| Error::Invalid(format!("{flag}: {e}")))?;
            let file = FileId::of(path);
            let same = |&&(_, other): &&(&str, &Path)| FileId::of(other) == file;
            if let Some((input, _)) = self.inputs.iter().find(same) {
                return Err(Error::Invalid(format!(
                    "{flag} {} is the {input} file; expected an output apart from every input (writing it would replace what is read)",
                    path.display()
                )));
            }
            if let Some((other, _)) = self.outputs[..i].iter().find(same) {
                return Err(Error::Invalid(format!(
                    "{flag} {} is the {other} file; expected a file of its own for each output",
                    path.display()
                )));
            }
        }
        Ok(())
    }
}

/// Which file a path names, so that two paths to one file compare equal: through links, `..`
/// and, on Unix, hard links.
#[derive(PartialEq)]
enum FileId {
    /// An existing file: its device and inode.
    Inode(u64, u64),
    /// A file not made yet (or, elsewhere than Unix, any file): its absolute path.
    Path(PathBuf),
}

impl FileId {
    fn of(path: &Path) -> FileId {
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return FileId::Inode(meta.dev(), meta.ino());
        }
        if let Ok(absolute) = std::fs::canonicalize(path) {
            return FileId::Path(absolute);
        }
        // Not there yet: its directory's absolute path and its name.
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        FileId::Path(match path.file_name() {
            Some(name) => dir.join(name),
            None => path.to_path_buf(),
        })
    }
}
