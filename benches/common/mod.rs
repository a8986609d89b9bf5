//! What the benchmarks share.

/// A size from the environment (`HEARTH_BENCH_MEMBERS`…), or `default`.
pub fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
