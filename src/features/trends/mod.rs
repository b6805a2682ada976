//! Trends: any measurement taken twice or more, as a chart with its normal range and, for
//! everyone who cannot see the chart, as a table of the same numbers.

pub mod chart;
pub mod model;

use crate::api::encode_component;
use crate::components::record_fetch::{RecordFetch, Search};
use crate::components::section::{DateText, Section};
use crate::features::record_layout::section_path;
use crate::fhir::value::number;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use model::Trend;

#[component]
pub fn TrendsPage() -> impl IntoView {
    let fetch = RecordFetch::new(vec![Search::all("Observation")]);
    let trends = Memo::new(move |_| fetch.with(|d| model::build(&d[0])));
    let query = use_query_map();
    let navigate = use_navigate();
    let selected = Memo::new(move |_| {
        let wanted = query.with(|q| q.get("analyte"));
        trends.with(|all| {
            wanted
                .and_then(|k| all.iter().find(|t| t.key == k))
                .or_else(|| all.first())
                .cloned()
        })
    });
    view! {
        <Section title="Trends" what="your measurements" fetch>
            {
                let navigate = navigate.clone();
                move || {
                    let all = trends.get();
                    if all.is_empty() {
                        return view! { <p class="empty">"No measurement has been recorded more than once in this portal, so there are no trends to show."</p> }.into_any();
                    }
                    let current = selected.get().map(|t| t.key).unwrap_or_default();
                    let navigate = navigate.clone();
                    let (labs, vitals): (Vec<Trend>, Vec<Trend>) = all.into_iter().partition(|t| !t.vital);
                    let option = |t: &Trend, current: &str| {
                        let label = format!("{} ({} results)", t.name, t.count());
                        view! { <option value=t.key.clone() selected=t.key == current>{label}</option> }
                    };
                    view! {
                        <div class="form-group">
                            <label for="analyte">"Choose a measurement"</label>
                            <select id="analyte" class="input select" on:change=move |ev| {
                                let key = event_target_value(&ev);
                                navigate(&format!("{}?analyte={}", section_path("trends"), encode_component(&key)), Default::default());
                            }>
                                {(!vitals.is_empty()).then(|| view! {
                                    <optgroup label="Vital signs">{vitals.iter().map(|t| option(t, &current)).collect_view()}</optgroup>
                                })}
                                {(!labs.is_empty()).then(|| view! {
                                    <optgroup label="Test results">{labs.iter().map(|t| option(t, &current)).collect_view()}</optgroup>
                                })}
                            </select>
                        </div>
                    }
                    .into_any()
                }
            }
            {move || selected.get().map(|trend| view! { <TrendView trend/> })}
        </Section>
    }
}

#[component]
fn TrendView(trend: Trend) -> impl IntoView {
    let c = chart::layout(&trend);
    let unit = trend.unit.clone();
    let latest = trend.latest().cloned();
    let first = trend.lines[0].points.first().cloned();
    let summary = match (&first, &latest) {
        (Some(f), Some(l)) => format!(
            "{}: {} measurements from {} to {}. Latest {} {}.",
            trend.name,
            trend.count(),
            f.date.iso().get(..4).unwrap_or_default(),
            l.date.iso().get(..4).unwrap_or_default(),
            number(l.value),
            unit
        ),
        _ => trend.name.clone(),
    };
    let range_text = trend.range.map(|(l, h)| {
        format!(
            "The shaded band is the normal range, {} to {} {unit}.",
            number(l),
            number(h)
        )
    });
    let labels: Vec<String> = trend
        .lines
        .iter()
        .map(|l| {
            if l.label.is_empty() {
                trend.name.clone()
            } else {
                l.label.clone()
            }
        })
        .collect();
    // The table: one row per date of the first line, other lines' values on the same moment.
    let table_rows: Vec<(crate::fhir::date::FhirDate, Vec<String>)> = trend.lines[0]
        .points
        .iter()
        .rev()
        .map(|p| {
            let values = trend
                .lines
                .iter()
                .map(|line| {
                    line.points
                        .iter()
                        .find(|q| q.ms == p.ms)
                        .map(|q| number(q.value))
                        .unwrap_or_else(|| "–".into())
                })
                .collect();
            (p.date.clone(), values)
        })
        .collect();
    let width = chart::WIDTH;
    let height = chart::HEIGHT;
    let has_legend = labels.len() > 1;
    view! {
        <section class="trend" aria-labelledby="trend-title">
            <h2 id="trend-title"><bdi>{trend.name.clone()}</bdi> <span class="unit">{format!(" ({})", trend.unit)}</span></h2>
            <p>{summary.clone()}</p>
            {range_text.map(|t| view! { <p class="hint">{t}</p> })}
            {has_legend.then(|| view! {
                <ul class="legend">
                    {labels.iter().enumerate().map(|(i, l)| view! {
                        <li><span class=format!("swatch swatch-{i}") aria-hidden="true"></span>{l.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
            <svg class="chart" viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary>
                {c.band.map(|(top, bottom)| view! {
                    <rect class="chart-band" x="56" y=top width=width - 72.0 height=bottom - top></rect>
                })}
                {c.y_ticks.iter().map(|(y, label)| view! {
                    <g>
                        <line class="chart-grid" x1="56" x2=width - 16.0 y1=*y y2=*y></line>
                        <text class="chart-label" x="48" y=y + 5.0 text-anchor="end">{label.clone()}</text>
                    </g>
                }).collect_view()}
                {c.x_ticks.iter().map(|(x, label)| view! {
                    <text class="chart-label" x=*x y=height - 12.0 text-anchor="middle">{label.clone()}</text>
                }).collect_view()}
                {c.paths.iter().enumerate().map(|(i, d)| view! {
                    <path class=format!("chart-line chart-line-{i}") d=d.clone()></path>
                }).collect_view()}
                {c.points.iter().enumerate().map(|(i, pts)| pts.iter().map(|(x, y)| view! {
                    <circle class=format!("chart-point chart-point-{i}") cx=*x cy=*y r="3.5"></circle>
                }).collect_view()).collect_view()}
            </svg>
            <details class="details">
                <summary>"Show the numbers as a table"</summary>
                <table class="table">
                    <caption class="visually-hidden">{format!("{} in {}", trend.name, trend.unit)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Date"</th>
                            {labels.iter().map(|l| view! { <th scope="col">{format!("{l} ({})", trend.unit)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table_rows.into_iter().map(|(date, values)| view! {
                            <tr>
                                <td><DateText date/></td>
                                {values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}
