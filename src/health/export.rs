//! The Dashboard's charts as files: each chart's numbers as CSV (written here, from the
//! figures, so what lands in a spreadsheet is what the chart drew) and its picture as PNG (drawn
//! by the app, checked here). Must never: write anything but a CSV or a PNG, or to a file not
//! named as one.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Bucket, DayFigures, HealthChart, Metrics, MetricsQuery, Millis};
use crate::store::Store;
use crate::when::utc_date as day;

impl HealthChart {
    /// The name a saved file is offered under.
    pub fn file_stem(self) -> &'static str {
        match self {
            HealthChart::ActiveMembers => "active-members",
            HealthChart::Messages => "messages",
            HealthChart::Sentiment => "sentiment",
            HealthChart::MembersPerWeek => "members-per-week",
            HealthChart::Cohorts => "retention-by-cohort",
        }
    }
}

/// The biggest picture of a chart Hearth saves.
const MAX_PNG: usize = 32 << 20;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn sentiment(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.3}")).unwrap_or_default()
}

/// `chart`'s numbers as CSV, a header row first; days are UTC dates (yyyy-mm-dd), an empty
/// cell is a day with nothing to measure. A chart that compares with the period before has
/// that period's row beside each of its own (its date, then its numbers), as the chart draws.
pub fn chart_csv(m: &Metrics, chart: HealthChart) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    // the day charts and the weeks: each row beside the same row of the period before
    let before =
        |rows: &mut Vec<Vec<String>>, when: &str, what: &[&str], cells: Vec<Vec<String>>| {
            if let Some(head) = rows.first_mut() {
                head.push(format!("{when} before"));
                head.extend(what.iter().map(|w| format!("{w} before")));
            }
            for (i, row) in rows.iter_mut().skip(1).enumerate() {
                match cells.get(i) {
                    Some(c) => row.extend(c.iter().cloned()),
                    None => row.extend((0..=what.len()).map(|_| String::new())),
                }
            }
        };
    match chart {
        HealthChart::ActiveMembers => {
            rows.push(vec![
                "day".into(),
                "active members".into(),
                "new members".into(),
            ]);
            let row = |d: &DayFigures| {
                vec![
                    day(d.day),
                    d.active_members.to_string(),
                    d.new_members.to_string(),
                ]
            };
            rows.extend(m.days.iter().map(row));
            let cells = m.previous_days.iter().map(row).collect();
            before(&mut rows, "day", &["active members", "new members"], cells);
        }
        HealthChart::Messages => {
            rows.push(vec!["day".into(), "messages".into()]);
            let row = |d: &DayFigures| vec![day(d.day), d.messages.to_string()];
            rows.extend(m.days.iter().map(row));
            let cells = m.previous_days.iter().map(row).collect();
            before(&mut rows, "day", &["messages"], cells);
        }
        HealthChart::Sentiment => {
            rows.push(vec!["day".into(), "mean sentiment (-1 to 1)".into()]);
            let row = |d: &DayFigures| vec![day(d.day), sentiment(d.sentiment)];
            rows.extend(m.days.iter().map(row));
            let cells = m.previous_days.iter().map(row).collect();
            before(&mut rows, "day", &["mean sentiment"], cells);
        }
        HealthChart::MembersPerWeek => {
            rows.push(vec!["week of".into(), "active members".into()]);
            let row = |w: &Bucket| vec![day(w.start), w.value.to_string()];
            rows.extend(m.weeks.iter().map(row));
            let cells = m.previous_weeks.iter().map(row).collect();
            before(&mut rows, "week of", &["active members"], cells);
        }
        HealthChart::Cohorts => {
            let mut head = vec!["first wrote in".to_string(), "members".to_string()];
            head.extend((0..m.cohorts.len()).map(|k| match k {
                0 => "that month".to_string(),
                k => format!("+{k} months"),
            }));
            rows.push(head);
            for c in &m.cohorts {
                let month = day(c.month);
                let mut row = vec![
                    month.get(..7).unwrap_or(&month).to_string(),
                    c.members.to_string(),
                ];
                row.extend(c.active.iter().map(u32::to_string));
                rows.push(row);
            }
        }
    }
    // every cell is a date or a number: nothing a spreadsheet could take for a formula
    let mut out = String::new();
    for row in rows {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Whether `path` names a file of the kind `extension` ("csv", "png").
fn named_as(path: &Path, extension: &str) -> Result<()> {
    let ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{} does not end in .{extension}: save the chart under a name that does",
            path.display()
        )))
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Error::invalid(format!(
            "the chart could not be saved to {}: {e}",
            path.display()
        ))
    })
}

impl Store {
    /// Writes `chart`'s numbers for `query`'s period as CSV to `path` (which must end in .csv).
    pub fn export_chart_csv(
        &mut self,
        query: &MetricsQuery,
        chart: HealthChart,
        path: &Path,
        now: Millis,
    ) -> Result<()> {
        named_as(path, "csv")?;
        let m = self.metrics(query, now)?;
        write(path, chart_csv(&m, chart).as_bytes())
    }
}

/// Saves a chart's picture, drawn by the app, to `path` (which must end in .png); anything
/// that is not a PNG image is refused and nothing is written.
pub fn save_chart_png(path: &Path, bytes: &[u8]) -> Result<()> {
    named_as(path, "png")?;
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(Error::invalid(
            "the chart's picture is not a PNG image: nothing was saved",
        ));
    }
    if bytes.len() > MAX_PNG {
        return Err(Error::invalid(format!(
            "the chart's picture is {:.0} MB, more than Hearth saves: nothing was saved",
            bytes.len() as f64 / 1_048_576.0
        )));
    }
    write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cohort;

    #[test]
    fn each_chart_gives_its_own_columns_with_utc_days() {
        // 2026-11-02 and 03, UTC
        let (d1, d2) = (1_793_577_600_000, 1_793_664_000_000);
        let m = Metrics {
            days: vec![
                DayFigures {
                    day: d1,
                    active_members: 4,
                    new_members: 1,
                    messages: 9,
                    sentiment: Some(0.25),
                },
                DayFigures {
                    day: d2,
                    active_members: 0,
                    new_members: 0,
                    messages: 0,
                    sentiment: None,
                },
            ],
            // the two days before: 2026-10-31 and 11-01
            previous_days: vec![
                DayFigures {
                    day: 1_793_404_800_000,
                    active_members: 2,
                    new_members: 0,
                    messages: 3,
                    sentiment: Some(-0.5),
                },
                DayFigures {
                    day: 1_793_491_200_000,
                    active_members: 1,
                    new_members: 1,
                    messages: 1,
                    sentiment: None,
                },
            ],
            weeks: vec![Bucket {
                start: d1,
                value: 4,
            }],
            cohorts: vec![Cohort {
                month: 1_793_491_200_000, // 2026-11-01
                members: 3,
                active: vec![3],
            }],
            ..Default::default()
        };
        assert_eq!(
            chart_csv(&m, HealthChart::ActiveMembers),
            "day,active members,new members,day before,active members before,new members before\r\n\
             2026-11-02,4,1,2026-10-31,2,0\r\n2026-11-03,0,0,2026-11-01,1,1\r\n"
        );
        assert_eq!(
            chart_csv(&m, HealthChart::Sentiment),
            "day,mean sentiment (-1 to 1),day before,mean sentiment before\r\n\
             2026-11-02,0.250,2026-10-31,-0.500\r\n2026-11-03,,2026-11-01,\r\n"
        );
        assert_eq!(
            chart_csv(&m, HealthChart::MembersPerWeek),
            "week of,active members,week of before,active members before\r\n2026-11-02,4,,\r\n",
            "no week before: empty cells"
        );
        assert_eq!(
            chart_csv(&m, HealthChart::Cohorts),
            "first wrote in,members,that month\r\n2026-11,3,3\r\n"
        );
    }

    #[test]
    fn only_a_png_is_saved_and_only_under_a_png_name() {
        let dir = tempfile::tempdir().expect("a folder");
        let png = [PNG_SIGNATURE, b"rest of the image"].concat();
        let good = dir.path().join("HealthChart.PNG");
        assert!(save_chart_png(&good, &png).is_ok());
        assert_eq!(std::fs::read(&good).ok(), Some(png.clone()));

        let script = dir.path().join("chart.sh");
        let err = save_chart_png(&script, &png).expect_err("refused");
        assert!(err.to_string().contains("does not end in .png"), "{err}");
        let err =
            save_chart_png(&dir.path().join("x.png"), b"#!/bin/sh\nrm -rf ~").expect_err("refused");
        assert!(err.to_string().contains("not a PNG image"), "{err}");
        assert!(!script.exists() && !dir.path().join("x.png").exists());
    }
}
