//! Members from a file, timed: an attendee-style CSV of `HEARTH_BENCH_ROWS` people (default
//! 100,000; names shared as in a real community, one address each, a company, a city and two
//! custom columns) imported into an empty database with `Store::import_members` (reading,
//! writing, and checking every new identity against the others), then imported again (every
//! row unchanged). The baseline, measured in the same run on the same file, is the `csv`
//! crate reading every record and nothing else. Prints figures; asserts only that the import
//! did what it says.
//!
//! ```sh
//! cargo bench --bench members_import                                 # 100k rows, release
//! HEARTH_BENCH_ROWS=5000 cargo bench --profile dev --bench members_import
//! ```

use std::io::Write;
use std::time::Instant;

use hearth::model::MemberImportOptions;
use hearth::store::Store;

mod common;
use common::env_u32;

const NOW: i64 = 1_790_000_000_000;

const FIRST: &[&str] = &[
    "Ana", "Bo", "Chen", "Dora", "Emeka", "Fatima", "Giulia", "Hiro", "Ines", "Jonas", "Kwame",
    "Lena", "Maria", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Victor", "Wen", "Xavier", "Yara", "Zoë", "João", "Łukasz", "Søren", "Müge",
];
const PARTS: &[&str] = &[
    "ber", "sou", "lind", "mül", "gar", "qui", "hal", "osu", "bel", "fer", "nak", "pet", "rov",
    "san", "tor", "vid", "wal", "kov", "mar", "dal",
];
const ENDS: &[&str] = &[
    "za", "qvist", "ler", "cia", "st", "erley", "dton", "wood", "nández", "ura",
];
const CITIES: &[&str] = &[
    "Berlin",
    "São Paulo",
    "Kraków",
    "Lisbon",
    "Osaka",
    "Toronto",
    "Pune",
];
const COMPANIES: &[&str] = &["Acme", "Kite Labs", "Northwind Labs", "Tidepool Data", ""];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = env_u32("HEARTH_BENCH_ROWS", 100_000) as usize;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("attendees.csv");
    let mut rng = fastrand::Rng::with_seed(7);
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        out.write_all("\u{feff}Name,Email,Company,City,T-shirt size,Dietary needs\n".as_bytes())?;
        for i in 0..rows {
            let first = FIRST[rng.usize(..FIRST.len())];
            let family = format!(
                "{}{}{}",
                PARTS[rng.usize(..PARTS.len())]
                    .to_uppercase()
                    .chars()
                    .next()
                    .unwrap_or('X'),
                &PARTS[rng.usize(..PARTS.len())][1..],
                ENDS[rng.usize(..ENDS.len())]
            );
            let email = format!(
                "{}.{}{i}@mail.example",
                first.to_lowercase(),
                family.to_lowercase()
            );
            writeln!(
                out,
                "{first} {family},{email},{},{},{},{}",
                COMPANIES[rng.usize(..COMPANIES.len())],
                CITIES[rng.usize(..CITIES.len())],
                ["S", "M", "L", "XL"][rng.usize(..4)],
                ["", "", "vegan", "vegetarian"][rng.usize(..4)]
            )?;
        }
    }
    let bytes = std::fs::metadata(&file)?.len();
    println!(
        "Hearth members import benchmark: {rows} rows, {:.1} MB",
        bytes as f64 / 1_048_576.0
    );

    // --- baseline: the csv crate reading every record of the same file ---------------------
    let t = Instant::now();
    let mut reader = csv::Reader::from_path(&file)?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0u64;
    while reader.read_byte_record(&mut record)? {
        n += 1;
    }
    let baseline = t.elapsed().as_secs_f64();
    assert_eq!(n as usize, rows);
    println!(
        "baseline (csv crate, read every record): {baseline:.3} s, {:.0} rows/s",
        rows as f64 / baseline
    );

    // --- the import into an empty database -------------------------------------------------
    let mut store = Store::open(dir.path().join("import.db"))?;
    let options = MemberImportOptions {
        list: Some("Bench".into()),
        ..Default::default()
    };
    let mut phases: Vec<(String, Instant)> = Vec::new();
    let t = Instant::now();
    let report = store.import_members(&file, &options, NOW, &mut |p| {
        if phases.last().map(|(ph, _)| ph.as_str()) != Some(p.phase.as_str()) {
            phases.push((p.phase.clone(), Instant::now()));
        }
    })?;
    let import = t.elapsed().as_secs_f64();
    assert_eq!(report.new as usize, rows, "{:?}", report.problems.first());
    println!(
        "import into an empty database: {import:.2} s, {:.0} rows/s ({:.1}× the baseline); {} new, {} possible duplicates",
        rows as f64 / import,
        import / baseline,
        report.new,
        report.suggestions
    );
    for w in phases.windows(2) {
        println!(
            "  {:<28} {:.2} s",
            w[0].0,
            w[1].1.duration_since(w[0].1).as_secs_f64()
        );
    }
    if let Some((phase, at)) = phases.last() {
        println!("  {:<28} {:.2} s", phase, at.elapsed().as_secs_f64());
    }

    // --- the same file again: nothing changes ----------------------------------------------
    let t = Instant::now();
    let again = store.import_members(&file, &options, NOW, &mut |_| {})?;
    let reimport = t.elapsed().as_secs_f64();
    assert_eq!((again.new, again.unchanged as usize), (0, rows));
    println!(
        "the same file again (all unchanged): {reimport:.2} s, {:.0} rows/s",
        rows as f64 / reimport
    );
    Ok(())
}
