//! The indicators as a spreadsheet (CSV, as the other exports: UTF-8 with a BOM, formulas
//! neutralised) and as a bar chart (SVG, drawn by `plotters`): French first, English second,
//! readable in black and white (one dark grey, every bar labelled with its value).

use std::collections::HashMap;

use plotters::prelude::*;
use uuid::Uuid;

use crate::domain::indicators::{FIGURE_HEADINGS, Figure, Figures, GroupKey, Grouping, label};

/// Organisation names by id, to label the groups of `ORGANISATION`.
pub type Names = HashMap<Uuid, String>;

fn group_labels(grouping: &Grouping, key: &GroupKey, names: &Names) -> Vec<String> {
    grouping
        .dimensions()
        .iter()
        .map(|d| label(key, *d, |id| names.get(&id).cloned()))
        .collect()
}

/// One row per group: its dimensions' labels, then every figure.
pub fn csv(grouping: &Grouping, rows: &[(GroupKey, Figures)], names: &Names) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().from_writer("\u{feff}".as_bytes().to_vec());
    let mut header: Vec<String> = grouping.dimensions().iter().map(|d| d.heading().to_string()).collect();
    header.extend(FIGURE_HEADINGS.iter().map(|h| h.to_string()));
    w.write_record(&header)?;
    for (key, figures) in rows {
        let mut cells = group_labels(grouping, key, names);
        cells.extend(figures.row());
        w.write_record(cells.iter().map(|c| super::csv::neutralise(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// What a chart says in its title and axes.
pub struct ChartWords {
    pub title: String,
    pub value_axis: String,
    pub group_axis: String,
}

/// The chart's words: « Personnes sensibilisées par région / People reached by region ».
pub fn words(grouping: &Grouping, figure: Figure) -> ChartWords {
    let (fr, en) = figure.words();
    let (by_fr, by_en): (Vec<&str>, Vec<&str>) = grouping.dimensions().iter().map(|d| d.by_words()).unzip();
    let title = if grouping.dimensions().is_empty() {
        format!("{fr} — total / {en} — total")
    } else {
        format!("{fr} par {} / {en} by {}", by_fr.join(" et "), by_en.join(" and "))
    };
    let group_axis = if grouping.dimensions().is_empty() {
        "Ensemble / All".to_string()
    } else {
        grouping
            .dimensions()
            .iter()
            .map(|d| d.heading())
            .collect::<Vec<_>>()
            .join(" × ")
    };
    ChartWords {
        title,
        value_axis: format!("{fr} / {en}"),
        group_axis,
    }
}

fn value_text(figure: Figure, value: f64) -> String {
    match figure {
        Figure::MeanRating => format!("{value:.2}"),
        _ => format!("{value:.0}"),
    }
}

/// Characters in a label at most (longer ones end with « … »).
const LABEL_MAX: usize = 40;

fn abridged(text: &str) -> String {
    if text.chars().count() > LABEL_MAX {
        format!("{}…", text.chars().take(LABEL_MAX - 1).collect::<String>())
    } else {
        text.to_string()
    }
}

/// A horizontal bar chart of one figure, a bar per group (in the rows' order).
pub fn svg(
    grouping: &Grouping,
    rows: &[(GroupKey, Figures)],
    names: &Names,
    figure: Figure,
) -> anyhow::Result<Vec<u8>> {
    let words = words(grouping, figure);
    let bars: Vec<(String, f64)> = rows
        .iter()
        .map(|(key, figures)| {
            let labels = group_labels(grouping, key, names);
            let text = if labels.is_empty() {
                "Total".to_string()
            } else {
                labels.join(" · ")
            };
            (abridged(&text), figures.get(figure))
        })
        .collect();
    let n = bars.len().max(1);
    let max = bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    let longest = bars.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(5);
    let label_area = (longest as u32 * 7 + 16).clamp(80, 320);
    let height = (150 + 34 * n as u32).max(280);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (960, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&words.title, ("sans-serif", 22).into_font().color(&BLACK))
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(label_area + 28)
            .build_cartesian_2d(0.0..max * 1.18, (0..n).into_segmented())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // The first group on top: bar `i` sits in segment `n - 1 - i`.
        let row = |i: usize| n - 1 - i;
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(j) if *j < n => labels.get(row(*j)).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|v| value_text(figure, *v))
            .x_desc(words.value_axis.as_str())
            .y_desc(words.group_axis.as_str())
            .axis_desc_style(("sans-serif", 15).into_font().color(&BLACK))
            .label_style(("sans-serif", 13).into_font().color(&BLACK))
            .x_labels(8)
            .bold_line_style(RGBColor(210, 210, 210))
            .light_line_style(WHITE)
            .axis_style(BLACK)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let dark = RGBColor(64, 64, 64);
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row(i))),
                        (*value, SegmentValue::Exact(row(i) + 1)),
                    ],
                    dark.filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                bar
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
                Text::new(
                    format!(" {}", value_text(figure, *value)),
                    (*value, SegmentValue::CenterOf(row(i))),
                    ("sans-serif", 13).into_font().color(&BLACK),
                )
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::indicators::Dimension;

    #[test]
    fn the_chart_names_its_axes_in_french_then_english() {
        let grouping = Grouping::parse(vec![Dimension::Region]).expect("a grouping");
        let rows = vec![(
            GroupKey {
                region: Some(entity::Region::Corse),
                ..Default::default()
            },
            Figures {
                people_reached: 42,
                ..Default::default()
            },
        )];
        let svg = String::from_utf8(svg(&grouping, &rows, &Names::new(), Figure::PeopleReached).expect("drawn"))
            .expect("UTF-8");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            svg.contains("Personnes sensibilisées par région / People reached by region"),
            "{svg}"
        );
        assert!(svg.contains("Région / Region"));
        assert!(svg.contains("Corse"));
        assert!(svg.contains("42"));
        let w = words(&Grouping::default(), Figure::LoanDays);
        assert_eq!(w.title, "Jours de prêt — total / Loan-days — total");
    }

    #[test]
    fn the_spreadsheet_has_a_column_per_dimension_and_figure() {
        let grouping = Grouping::parse(vec![Dimension::Year]).expect("a grouping");
        let rows = vec![(
            GroupKey {
                year: Some(2027),
                ..Default::default()
            },
            Figures {
                kit_loans: 2,
                loan_days: 19,
                ..Default::default()
            },
        )];
        let text = String::from_utf8(csv(&grouping, &rows, &Names::new()).expect("written")).expect("UTF-8");
        let mut lines = text.lines();
        let header = lines.next().expect("a header");
        assert!(
            header.starts_with("\u{feff}Année / Year,Personnes sensibilisées / People reached"),
            "{header}"
        );
        assert!(lines.next().expect("a row").starts_with("2027,0,"));
    }
}
