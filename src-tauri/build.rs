use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    pack_relative_relocations();
    startup_code_together();
    tauri_build::build()
}

/// Release builds put the functions the app runs when it starts side by side, in a section of
/// their own before the rest of the code (`startup-order.ld`, an `INSERT BEFORE .text` linker
/// script written by `benches/desktop/startup-order.py`).
///
/// The kernel maps code in around each page a process touches, in blocks of 64 KB and more, and
/// the start's 3 MiB of code are otherwise spread over all 24 MB: 15.6 MiB of it stayed
/// resident at rest, 9.5 MiB with the start's code together. Development builds leave it out:
/// with their many more sections, matching the script's patterns took the linker a minute.
fn startup_code_together() {
    let script = Path::new("startup-order.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    // `benches/desktop/startup-order.py` profiles a build without it: Valgrind names no object
    // for code in a section of the script's own, so the start's functions would go unseen.
    println!("cargo:rerun-if-env-changed=HEARTH_STARTUP_ORDER");
    let off = env::var("HEARTH_STARTUP_ORDER").is_ok_and(|v| v == "off");
    let release = env::var("PROFILE").is_ok_and(|p| p == "release");
    let target = env::var("TARGET").unwrap_or_default();
    if off || !release || !target.contains("-linux-") || !script.is_file() {
        return;
    }
    let Ok(script) = script.canonicalize() else {
        return;
    };
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
}

/// Links the app with its relative relocations packed (`DT_RELR`, `-z pack-relative-relocs`).
///
/// The app is position-independent, and nearly all of its 91,000 relocations are relative
/// ones: as plain `.rela.dyn` entries they take 2.2 MB of the file, which the loader reads in
/// full at every start and which then stays in the app's memory for as long as it runs. Packed
/// as bitmaps they take 34 KB (about 3 MiB less at rest, measured with
/// `benches/desktop/at-rest.py`), and the loader has less to do.
///
/// Only when building for this machine's glibc and it is 2.36 or later: an older glibc cannot
/// load such a binary. Linkers that know the option are rust-lld (Rust's default linker on
/// x86_64 Linux) and GNU ld from 2.38; an older GNU ld warns and ignores it.
fn pack_relative_relocations() {
    let host = env::var("HOST").unwrap_or_default();
    let target = env::var("TARGET").unwrap_or_default();
    if host != target || !target.ends_with("-linux-gnu") {
        return;
    }
    let glibc = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| glibc_version(&text));
    if glibc.is_some_and(|version| version >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// `(2, 36)` from `getconf GNU_LIBC_VERSION`'s "glibc 2.36".
fn glibc_version(text: &str) -> Option<(u32, u32)> {
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_digit());
    Some((major, minor.parse().ok()?))
}
