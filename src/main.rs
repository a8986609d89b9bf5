//! `hearth`: the command-line face of Hearth's core. Thin by design: `cli` parses arguments,
//! opens the store, calls the core and prints. Errors are one line on stderr, with what to do
//! next, and a non-zero exit.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`hearth inbox | head`) instead of failing to print.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    let db = args.db_hint();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            let mut line = chain[0].clone();
            for c in &chain[1..] {
                if !line.contains(c.as_str()) {
                    line.push_str(": ");
                    line.push_str(c);
                }
            }
            // A damaged file: say how to check it and where the latest backup is.
            let damaged = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<hearth::Error>(),
                    Some(hearth::Error::Damaged { advice: None, .. })
                )
            });
            if let (true, Some(db)) = (damaged, db) {
                line.push_str("; ");
                line.push_str(&hearth::data::backup::damage_advice(&db));
            }
            eprintln!("error: {line}");
            ExitCode::FAILURE
        }
    }
}
