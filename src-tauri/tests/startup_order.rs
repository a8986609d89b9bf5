//! The release app is linked with `startup-order.ld` (see `build.rs`): a program linked the same
//! way on this machine, with this toolchain's linker, must link, run, and have the start's
//! section where the script puts it.

#[cfg(target_os = "linux")]
use std::process::Command;

#[cfg(target_os = "linux")]
#[test]
fn a_program_linked_with_the_startup_order_runs_with_its_start_section_before_the_code() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("startup-order.ld");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = dir.path().join("hello.rs");
    std::fs::write(
        &source,
        "fn main() { let v: Vec<String> = std::env::args().collect(); println!(\"hello {}\", v.len()); }",
    )
    .expect("the program's source");
    let program = dir.path().join("hello");
    let built = Command::new("rustc")
        .args(["-C", "opt-level=2", "-o"])
        .arg(&program)
        .arg("-C")
        .arg(format!("link-arg=-Wl,-T,{}", script.display()))
        .arg(&source)
        .output()
        .expect("rustc runs");
    assert!(
        built.status.success(),
        "the linker refused startup-order.ld: {}",
        String::from_utf8_lossy(&built.stderr)
    );

    let ran = Command::new(&program).output().expect("the program runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "hello 1\n");

    // the standard library's functions always go in the start's section, placed before .text
    let sections = Command::new("readelf")
        .args(["-S", "-W"])
        .arg(&program)
        .output()
        .expect("readelf runs");
    let sections = String::from_utf8_lossy(&sections.stdout);
    let start = sections.find(" .text.hearth_start ");
    let text = sections.find(" .text ");
    assert!(
        start.is_some() && text.is_some() && start < text,
        "no start section before .text:\n{sections}"
    );
}
