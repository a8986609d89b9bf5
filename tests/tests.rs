//! Hearth's integration tests, built as one binary (ripgrep's layout): each file below is a
//! module, and `cargo test` links the core and its dependencies into a test binary once
//! instead of once per file. `cargo test --test integration contract_discord::` runs one file.

mod common;

mod architecture;
mod calendar;
mod calendar_images;
mod calendar_publish;
mod cli;
mod contract_bluesky;
mod contract_discord;
mod contract_discourse;
mod contract_github;
mod contract_mastodon;
mod contract_slack;
mod core;
mod data;
mod demo;
mod feedback;
mod inbox_counts;
mod inbox_notify;
mod inbox_rules;
mod matrix;
mod members;
mod members_engagement;
mod members_import;
mod members_profile;
mod metrics;
mod migrations;
mod moderation;
mod outbox_kill;
mod outbox_processes;
mod scheduler;
mod search;
mod sentiment;
mod sync_faults;
mod team;
