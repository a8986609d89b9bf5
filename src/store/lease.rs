//! Who holds a lease. Owns: naming an open store so two processes (or two connections of one)
//! can tell their claims apart, and telling whether the holder of a claim is still alive when
//! it runs on this machine, so a claim left by a killed process is taken over at once instead
//! of when it runs out. Must never: declare alive a holder it cannot see (another machine, or
//! a system without `/proc`): those claims simply run out.

/// `boot/pid/start/random`: the machine's boot, the process and when it started (so a reused
/// pid is not taken for the dead one), and a random part per open store.
pub(crate) fn new_owner() -> String {
    let pid = std::process::id();
    format!(
        "{}/{pid}/{}/{:08x}",
        boot_id().unwrap_or_default(),
        start_time(pid).unwrap_or_default(),
        fastrand::u32(..)
    )
}

/// Whether the process holding a claim named `owner` is gone: `true` only when it ran on this
/// machine since its last boot and that process no longer exists.
pub(crate) fn holder_is_gone(owner: &str) -> bool {
    let mut parts = owner.split('/');
    let (Some(boot), Some(pid), Some(start)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Some(here), Ok(pid)) = (boot_id(), pid.parse::<u32>()) else {
        return false;
    };
    if boot.is_empty() || boot != here || start.is_empty() {
        return false;
    }
    start_time(pid).is_none_or(|s| s != start)
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The process's start time since boot (field 22 of `/proc/PID/stat`).
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_gone() {
        let me = new_owner();
        assert!(!holder_is_gone(&me), "this process holds {me}");
        let child = std::process::Command::new("true")
            .spawn()
            .and_then(|mut c| c.wait().map(|_| c.id()));
        if let (Ok(pid), Some(boot)) = (child, boot_id()) {
            assert!(holder_is_gone(&format!("{boot}/{pid}/12345/0")));
        }
        assert!(
            !holder_is_gone("another-machine/1/1/0"),
            "a claim from elsewhere runs out on its own"
        );
        assert!(!holder_is_gone("garbage"));
    }
}
