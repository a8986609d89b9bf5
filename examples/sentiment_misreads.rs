//! A tool for whoever tunes the chat rules of `health::sentiment`: lists the labelled messages
//! the rules read wrong, on the half they may be tuned on (odd ids) — the even half stays
//! unseen, so `tests/sentiment.rs` can say how the rules carry over.
//!
//! `cargo run --example sentiment_misreads`

use hearth::health::sentiment::score;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sentiment/labelled.csv"
    );
    let mut misread = 0;
    for rec in csv::Reader::from_path(path)?.records() {
        let rec = rec?;
        let id: u32 = rec[0].parse()?;
        if id.is_multiple_of(2) {
            continue;
        }
        let (label, kind, text) = (&rec[2], &rec[3], &rec[4]);
        let s = score(text);
        // VADER's own thresholds
        let got = if s >= 0.05 {
            "positive"
        } else if s <= -0.05 {
            "negative"
        } else {
            "neutral"
        };
        if got != label {
            misread += 1;
            println!("{id:>4} {kind:<11} {label:<9}→{got:<9} {s:+.3} {text}");
        }
    }
    println!("{misread} misread on the tuning half");
    Ok(())
}
