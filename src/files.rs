//! Files Hearth writes for people (exports). Owns: writing a file whole or not at all. Must
//! never: leave a half-written file where one was asked for.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes the file at `path` with `write`: into `PATH.part` beside it, flushed to disk, then
/// renamed into place, so a full disk or an error leaves no half file (and the `.part` is
/// removed). Returns what `write` returned.
pub fn write_whole<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let io = |source| Error::Io {
        context: format!("cannot write {}", path.display()),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let written = (|| -> Result<T> {
        let file = std::fs::File::create(&partial).map_err(io)?;
        let mut out = std::io::BufWriter::new(file);
        let value = write(&mut out)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        Ok(value)
    })();
    match written {
        Ok(value) => {
            std::fs::rename(&partial, path).map_err(io)?;
            Ok(value)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
