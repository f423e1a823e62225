//! Writing a file all or nothing, and checking before long work that it can be written.

/// The longest file name (the last part of a path) that is written, in bytes: what ext4, XFS,
/// tmpfs and APFS take. A longer one is refused before any work, not at the rename.
pub const MAX_NAME: usize = 255;

use super::text::io_error;
use crate::error::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Writes the file at `path` all or nothing: `write` fills a temporary file in the same
/// directory, which is flushed to disk and then renamed over `path`. A failed write leaves
/// whatever was at `path` exactly as it was, and so does a killed process (which may leave a
/// `.som-*.tmp` file beside it). An existing file keeps its permissions; a symbolic link is
/// written through, to the file it points to, and a link to nothing is refused (not replaced
/// by a file). `write` gets the file and its name for errors.
///
/// Every writer of this crate that takes a path goes through here.
///
/// # Errors
/// [`Error::Invalid`] for a symbolic link to nothing or a file name longer than [`MAX_NAME`];
/// [`Error::Io`] if the directory cannot hold a new file or the rename fails; `write`'s own
/// errors, in which case the temporary file is removed.
///
/// # Example
/// ```
/// use std::io::Write;
/// let path = std::env::temp_dir().join(format!("som-atomic-doc-{}.txt", std::process::id()));
/// som_std::io::write_atomic(&path, |f, name| {
///     f.write_all(b"new").map_err(|e| som_std::Error::Io { file: name.into(), source: e })
/// })?;
/// let failed = som_std::io::write_atomic(&path, |f, _| {
///     f.write_all(b"torn").unwrap();
///     Err(som_std::Error::Invalid("stopped half way".into()))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read(&path).unwrap(), b"new");
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), som_std::Error>(())
/// ```
pub fn write_atomic(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut File, &str) -> Result<()>,
) -> Result<()> {
    let name = path.as_ref().display().to_string();
    let target = target(path.as_ref(), &name)?;
    let mut tmp = temporary(&target, &name)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(|e| io_error(&name, e))?;
    }
    write(tmp.as_file_mut(), &name)?;
    tmp.as_file().sync_all().map_err(|e| io_error(&name, e))?;
    tmp.persist(&target).map_err(|e| io_error(&name, e.error))?;
    // The rename itself reaches the disk with the directory; not every system can sync one.
    #[cfg(unix)]
    if let Ok(dir) = File::open(directory(&target)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Checks, before long work, that [`write_atomic`] can write `path`: it is not a directory
/// nor a symbolic link to nothing, its name has at most [`MAX_NAME`] bytes, its directory
/// exists and a new file can be made there (one is made and removed).
///
/// # Errors
/// [`Error::Invalid`] for a directory, a link to nothing, a name too long or a missing
/// directory, [`Error::Io`] for a directory that cannot be written (with what the system
/// said).
pub fn check_writable(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let target = target(path, &name)?;
    if target.is_dir() {
        return Err(Error::Invalid(format!(
            "{name} is a directory; expected a file name to write"
        )));
    }
    let dir = directory(&target);
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "cannot write {name}: the directory {} does not exist",
            dir.display()
        )));
    }
    temporary(&target, &name).map(drop)
}

/// Where writing `path` (called `name`) really goes: through a symbolic link to its target.
/// A link to nothing is refused: replacing it by a file would lose the link, and making its
/// target would write where the user may not expect. So is a name the file system would
/// refuse at the rename, after the work.
fn target(path: &Path, name: &str) -> Result<PathBuf> {
    let target = match path.symlink_metadata() {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|_| {
            let to = std::fs::read_link(path).unwrap_or_default();
            Error::Invalid(format!(
                "{name} is a symbolic link to {}, which does not exist; expected a link to an existing file (written through) or a path that is not a link",
                to.display()
            ))
        })?,
        _ => path.to_path_buf(),
    };
    if let Some(file) = target.file_name()
        && file.len() > MAX_NAME
    {
        return Err(Error::Invalid(format!(
            "{name}: a file name of {} bytes; expected at most {MAX_NAME}",
            file.len()
        )));
    }
    Ok(target)
}

/// The directory a file is in (`.` for a bare file name).
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A new temporary file beside `target`, readable as a file made by `File::create` would be.
fn temporary(target: &Path, name: &str) -> Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".som-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(directory(target)).map_err(|e| {
        io_error(
            name,
            std::io::Error::new(
                e.kind(),
                format!("cannot make a file in {}: {e}", directory(target).display()),
            ),
        )
    })
}
