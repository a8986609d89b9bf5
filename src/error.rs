//! The core's error type. Owns: naming what failed in words a community manager understands,
//! and whether trying again could help. Must never: carry a token or other secret in a message.

use std::path::PathBuf;

use crate::model::{ApiError, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error(
        "the database at {path} was written by a newer version of Hearth (schema {found}, this version knows up to {known}); update Hearth to open it"
    )]
    DatabaseTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("{path} is not a Hearth database ({reason})")]
    NotADatabase { path: PathBuf, reason: String },

    #[error("cannot open the database at {path}: {reason}")]
    CannotOpen { path: PathBuf, reason: String },

    #[error("the database is busy — another Hearth is writing to it; try again in a moment")]
    Busy,

    /// SQLite found the file damaged (`SQLITE_CORRUPT`, or a page that is not a database page).
    /// [`Error::at`] names the file and adds what to do (`hearth doctor`, the latest backup).
    #[error("{} is damaged ({detail}){}", path.as_ref().map_or_else(|| "the database file".to_string(), |p| format!("the database file {}", p.display())), advice.as_ref().map(|a| format!("; {a}")).unwrap_or_default())]
    Damaged {
        path: Option<PathBuf>,
        detail: String,
        advice: Option<String>,
    },

    #[error("the disk is full, so Hearth could not save; free some space and try again — nothing already saved was lost")]
    DiskFull,

    #[error("no Hearth database at {}", path.display())]
    NoDatabase { path: PathBuf },

    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),

    #[error("could not upgrade the database: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("{0}")]
    Keyring(String),

    #[error(transparent)]
    Connector(#[from] crate::platform::ConnectorError),

    /// The team's relay cannot be reached now; everything local keeps working.
    #[error("{0}")]
    TeamOffline(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Busy
            }
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Error::Damaged {
                    path: None,
                    detail: e.to_string(),
                    advice: None,
                }
            }
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull,
            _ => Error::Sqlite(e),
        }
    }
}

impl Error {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    /// Whether the same call could succeed later without the user changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Busy | Error::DiskFull | Error::TeamOffline(_) => true,
            Error::Connector(e) => e.kind() == crate::platform::ErrorKind::Transient,
            _ => false,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::DatabaseTooNew { .. } => ErrorCode::DatabaseTooNew,
            Error::NotADatabase { .. } => ErrorCode::NotADatabase,
            Error::CannotOpen { .. } | Error::Io { .. } => ErrorCode::Io,
            Error::Busy => ErrorCode::Busy,
            Error::Damaged { .. } => ErrorCode::Damaged,
            Error::DiskFull => ErrorCode::DiskFull,
            Error::NoDatabase { .. } => ErrorCode::NoDatabase,
            Error::Keyring(_) => ErrorCode::Keyring,
            Error::Connector(_) | Error::TeamOffline(_) => ErrorCode::Platform,
            Error::Sqlite(_) | Error::Migration(_) => ErrorCode::Database,
        }
    }
}

impl From<&Error> for ApiError {
    fn from(e: &Error) -> Self {
        ApiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::from(&e)
    }
}
