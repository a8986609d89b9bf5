//! The CLI's command groups that outgrew `main.rs`.

pub mod sync;
