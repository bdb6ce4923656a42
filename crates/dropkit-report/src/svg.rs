//! The report's two charts as inline SVG: the status mix per round (stacked bars) and the
//! days from download to upload per round. Plain markup, no script: every value is also
//! written as text (and in each bar's `<title>`), so the numbers are in the page itself.

use std::fmt::Write as _;

use crate::figures::RoundFigures;
use crate::html::escape;

/// A segment of a round's bar: label, CSS colour, and the count it takes.
type Segment = (&'static str, &'static str, fn(&RoundFigures) -> u64);

/// The segments of a round's bar, bottom up.
const SEGMENTS: [Segment; 5] = [
    ("2 Exempted", "#8e6bbf", |r| r.counts.exempted),
    ("3 Deleted", "#2e7d32", |r| r.counts.deleted),
    ("4 Opted out", "#f9a825", |r| r.counts.opted_out),
    ("5 Not found", "#78909c", |r| r.counts.not_found),
    ("Unanswered", "#c62828", |r| r.counts.unanswered),
];

const BAR: u32 = 48;
const GAP: u32 = 28;
const PLOT_H: u32 = 200;
const TOP: u32 = 24;
const LEFT: u32 = 16;

/// The days a broker has: DROP must be accessed at least every 45 days.
const DUTY_DAYS: i64 = 45;

/// A chart's width: room for every bar, and for the legend.
fn width(n: usize) -> u32 {
    (LEFT * 2 + (n.max(1) as u32) * (BAR + GAP)).max(LEFT * 2 + 5 * 90)
}

/// A round's label under its bar: the date of its download name (`20261120` of
/// `20261120_4821_DROP.zip`), or the whole name.
fn label(r: &RoundFigures) -> String {
    let d = r.download.get(..8).unwrap_or(&r.download);
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
    } else {
        r.download.clone()
    }
}

/// The stacked bars of each round's work items by status, with a legend.
pub(crate) fn status_mix(rounds: &[RoundFigures]) -> String {
    let max = rounds
        .iter()
        .map(|r| r.counts.received)
        .max()
        .unwrap_or(0)
        .max(1);
    let w = width(rounds.len());
    let h = TOP + PLOT_H + 40;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="status-mix" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="status-mix-title"><title id="status-mix-title">Work items per round by status</title>"#
    );
    let base = TOP + PLOT_H;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{base}" x2="{}" y2="{base}" stroke="#444"/>"##,
        w - LEFT
    );
    for (i, r) in rounds.iter().enumerate() {
        let x = LEFT + GAP / 2 + i as u32 * (BAR + GAP);
        let round = escape(&r.download);
        let _ = write!(
            s,
            r#"<g class="round" data-download="{round}" data-work-items="{}">"#,
            r.counts.received
        );
        let mut y = base;
        for (name, colour, count) in SEGMENTS {
            let n = count(r);
            if n == 0 {
                continue;
            }
            let seg = ((u64::from(PLOT_H) * n).div_ceil(max)) as u32;
            y = y.saturating_sub(seg);
            let _ = write!(
                s,
                r#"<rect class="segment" x="{x}" y="{y}" width="{BAR}" height="{seg}" fill="{colour}" data-status="{name}" data-count="{n}"><title>{round}: {name} {n}</title></rect>"#
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>"#,
            x + BAR / 2,
            y.saturating_sub(4),
            r.counts.received
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text></g>"#,
            x + BAR / 2,
            base + 16,
            escape(&label(r))
        );
    }
    if rounds.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{LEFT}" y="{}" font-size="12">no download received this year</text>"#,
            TOP + PLOT_H / 2
        );
    }
    // The legend, one swatch per status.
    for (i, (name, colour, _)) in SEGMENTS.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" font-size="11">{name}</text>"#,
            LEFT + i as u32 * 90,
            h - 14,
            LEFT + i as u32 * 90 + 14,
            h - 5
        );
    }
    s.push_str("</svg>");
    s
}

/// The bars of each round's days from download to upload (`n/a` for a round not answered),
/// on a scale of at least 45 days with the 45-day mark drawn.
pub(crate) fn days_to_answer(rounds: &[RoundFigures]) -> String {
    let max = rounds
        .iter()
        .filter_map(|r| r.days_to_answer)
        .max()
        .unwrap_or(0)
        .max(DUTY_DAYS);
    let w = width(rounds.len());
    let h = TOP + PLOT_H + 24;
    let base = TOP + PLOT_H;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg id="days-to-answer" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="days-to-answer-title"><title id="days-to-answer-title">Days from download to upload per round</title><line x1="{LEFT}" y1="{base}" x2="{}" y2="{base}" stroke="#444"/>"##,
        w - LEFT
    );
    let duty = base - ((u64::from(PLOT_H) * DUTY_DAYS as u64) / max as u64) as u32;
    let _ = write!(
        s,
        r##"<line class="duty" x1="{LEFT}" y1="{duty}" x2="{}" y2="{duty}" stroke="#c62828" stroke-dasharray="4 3"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#c62828">{DUTY_DAYS} days</text>"##,
        w - LEFT,
        w - LEFT,
        duty.saturating_sub(4)
    );
    for (i, r) in rounds.iter().enumerate() {
        let x = LEFT + GAP / 2 + i as u32 * (BAR + GAP);
        let round = escape(&r.download);
        let (bar, text) = match r.days_to_answer {
            Some(d) => {
                let d = d.max(0);
                // A round answered the day it was received still shows a sliver.
                let bar = ((u64::from(PLOT_H) * d as u64) / max as u64).max(2) as u32;
                (bar, d.to_string())
            }
            None => (0, "n/a".to_owned()),
        };
        let _ = write!(
            s,
            r##"<g class="round" data-download="{round}" data-days="{text}"><rect class="days" x="{x}" y="{}" width="{BAR}" height="{bar}" fill="#1565c0"><title>{round}: {text} day(s)</title></rect><text x="{}" y="{}" text-anchor="middle" font-size="12">{text}</text><text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text></g>"##,
            base - bar,
            x + BAR / 2,
            (base - bar).saturating_sub(4),
            x + BAR / 2,
            base + 16,
            escape(&label(r))
        );
    }
    s.push_str("</svg>");
    s
}
