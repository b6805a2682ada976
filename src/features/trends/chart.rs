//! The geometry of a trend chart, in plain numbers, so it can be tested off the browser.

use super::model::Trend;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

#[derive(Debug, PartialEq)]
pub struct Chart {
    /// SVG path data, one per line.
    pub paths: Vec<String>,
    /// Every point, per line, for markers.
    pub points: Vec<Vec<(f64, f64)>>,
    /// The normal range as a band: (top y, bottom y).
    pub band: Option<(f64, f64)>,
    pub y_ticks: Vec<(f64, String)>,
    pub x_ticks: Vec<(f64, String)>,
}

/// A "nice" step (1, 2 or 5 × 10ⁿ) giving about `count` ticks over `span`.
fn nice_step(span: f64, count: f64) -> f64 {
    let raw = (span / count).max(f64::EPSILON);
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    magnitude
        * if m <= 1.0 {
            1.0
        } else if m <= 2.0 {
            2.0
        } else if m <= 5.0 {
            5.0
        } else {
            10.0
        }
}

fn tick_label(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{}", v.round() as i64)
    } else {
        let decimals = (-step.log10().floor()) as usize;
        format!("{v:.decimals$}")
    }
}

fn year_of(ms: f64) -> i64 {
    // Close enough for tick labels: 365.2425-day years from 1970.
    1970 + (ms / 86_400_000.0 / 365.2425).floor() as i64
}

fn ms_of_year(year: i64) -> f64 {
    crate::fhir::date::FhirDate::parse(&format!("{year:04}-01-01"))
        .and_then(|d| d.epoch_ms())
        .unwrap_or(0.0)
}

pub fn layout(trend: &Trend) -> Chart {
    let all: Vec<(f64, f64)> = trend
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| (p.ms, p.value)))
        .collect();
    let (mut lo, mut hi) = all.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, v)| {
        (lo.min(*v), hi.max(*v))
    });
    if let Some((l, h)) = trend.range {
        lo = lo.min(l);
        hi = hi.max(h);
    }
    if lo == hi {
        lo -= 1.0;
        hi += 1.0;
    }
    let step = nice_step(hi - lo, 5.0);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let (t0, t1) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), (t, _)| {
        (a.min(*t), b.max(*t))
    });
    let t_span = (t1 - t0).max(86_400_000.0);
    let x = |t: f64| LEFT + (t - t0) / t_span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * (HEIGHT - TOP - BOTTOM);
    let round = |v: f64| (v * 10.0).round() / 10.0;

    let points: Vec<Vec<(f64, f64)>> = trend
        .lines
        .iter()
        .map(|l| {
            l.points
                .iter()
                .map(|p| (round(x(p.ms)), round(y(p.value))))
                .collect()
        })
        .collect();
    let paths = points
        .iter()
        .map(|pts| {
            pts.iter()
                .enumerate()
                .map(|(i, (px, py))| format!("{}{px},{py}", if i == 0 { "M" } else { "L" }))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut y_ticks = Vec::new();
    let mut v = lo;
    while v <= hi + step / 2.0 {
        y_ticks.push((round(y(v)), tick_label(v, step)));
        v += step;
    }
    let (first_year, last_year) = (year_of(t0), year_of(t1));
    let years = (last_year - first_year + 1).max(1);
    let every = ((years as f64) / 6.0).ceil().max(1.0) as i64;
    let x_ticks = (first_year..=last_year + 1)
        .filter(|yr| (yr - first_year) % every == 0)
        .map(|yr| (ms_of_year(yr), yr))
        .filter(|(t, _)| *t >= t0 && *t <= t1)
        .map(|(t, yr)| (round(x(t)), yr.to_string()))
        .collect();
    Chart {
        paths,
        points,
        band: trend.range.map(|(l, h)| (round(y(h)), round(y(l)))),
        y_ticks,
        x_ticks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::trends::model::{Line, Point};
    use crate::fhir::date::FhirDate;

    fn trend(points: &[(&str, f64)], range: Option<(f64, f64)>) -> Trend {
        Trend {
            key: "k".into(),
            name: "HbA1c".into(),
            unit: "mmol/mol".into(),
            vital: false,
            range,
            lines: vec![Line {
                label: String::new(),
                points: points
                    .iter()
                    .map(|(d, v)| Point {
                        ms: FhirDate::parse(d).and_then(|d| d.epoch_ms()).unwrap(),
                        date: FhirDate::parse(d).unwrap(),
                        value: *v,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn fits_points_and_band_inside_the_plot() {
        let chart = layout(&trend(
            &[
                ("2019-01-01", 58.0),
                ("2021-01-01", 44.0),
                ("2023-06-01", 51.0),
            ],
            Some((20.0, 48.0)),
        ));
        let pts = &chart.points[0];
        assert_eq!(pts[0].0, LEFT);
        assert_eq!(pts[2].0, WIDTH - RIGHT);
        assert!(pts.iter().all(|(_, y)| *y >= TOP && *y <= HEIGHT - BOTTOM));
        let (top, bottom) = chart.band.unwrap();
        assert!(top < bottom);
        assert!(chart.paths[0].starts_with("M56,"));
        assert_eq!(chart.paths[0].matches('L').count(), 2);
        let years: Vec<&str> = chart.x_ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(years, ["2019", "2020", "2021", "2022", "2023"]);
        assert!(chart.y_ticks.len() >= 3);
    }

    #[test]
    fn copes_with_flat_lines_and_same_day_values() {
        let chart = layout(&trend(&[("2024-01-01", 5.0), ("2024-01-01", 5.0)], None));
        assert!(
            chart.points[0]
                .iter()
                .all(|(x, y)| x.is_finite() && y.is_finite())
        );
    }

    #[test]
    fn picks_readable_steps() {
        assert_eq!(nice_step(38.0, 5.0), 10.0);
        assert_eq!(nice_step(2.4, 5.0), 0.5);
        assert_eq!(tick_label(0.5, 0.5), "0.5");
        assert_eq!(tick_label(40.0, 10.0), "40");
    }
}
