//! The Summary sheet: counts per status with a chart, messages and segments per encoding,
//! the run's times, cost and why it stopped.

use super::sheet::*;
use super::styles::*;
use super::types::*;
use crate::plan::outcome::Status;
use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartFormat, ChartPoint, ChartSolidFill, ChartType, Worksheet, XlsxError,
};

pub(super) fn write_summary(
    sheet: &mut Worksheet,
    report: &Report<'_>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name("Summary")?;
    print_as_report(sheet)?;
    // Labels fit their column, and the values (numbers set left) sit right beside them.
    sheet.set_column_width(0, SUMMARY_LABEL_WIDTH)?;
    sheet.set_column_width(1, 40)?;
    let totals = report.totals;
    let run = report.run;
    let duration = (run.finished - run.started).as_seconds_f64();
    let mut facts: Vec<(&str, SummaryValue)> = vec![
        ("Input file", report.table.path.display().to_string().into()),
        ("Sheet", report.table.sheet.clone().into()),
        ("Mode", run.mode.clone().into()),
        (
            "Started",
            run.started
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                .into(),
        ),
        (
            "Finished",
            run.finished
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                .into(),
        ),
        ("Duration (s)", SummaryValue::Seconds(duration)),
        ("Rows", totals.rows.into()),
        (
            "Invalid by numbering plan",
            totals.invalid_by_numbering_plan.into(),
        ),
    ];
    let optional = [
        ("Gateway", run.gateway.clone()),
        ("Sender", run.sender.clone()),
        ("Balance before", run.balance_before.clone()),
        ("Balance after", run.balance_after.clone()),
        ("Stopped early", run.stopped.clone()),
        ("Resumed", run.resumed.clone()),
        ("Estimated cost", run.estimated_cost.clone()),
        (
            "Sent At is in",
            (totals.count(Status::Sent) > 0).then(|| format!("UTC{}", run.started.offset())),
        ),
    ];
    facts.extend(
        optional
            .into_iter()
            .filter_map(|(label, v)| Some((label, v?.into()))),
    );
    if let Some(seconds) = run.sending_seconds {
        facts.push(("Messages sent", totals.count(Status::Sent).into()));
        facts.push(("Sending time (s)", SummaryValue::Seconds(seconds)));
        let rate = if seconds > 0.0 {
            run.dispatched as f64 / seconds
        } else {
            0.0
        };
        facts.push(("Throughput (msg/s)", SummaryValue::Rate(rate)));
    }
    let mut r = 0;
    sheet.write_string_with_format(r, 0, "Run", &styles.header)?;
    sheet.write_string_with_format(r, 1, "", &styles.header)?;
    for (label, value) in facts {
        r += 1;
        sheet.write_string(r, 0, label)?;
        value.write(sheet, r, 1, styles)?;
    }
    r += 2;
    sheet.write_string_with_format(r, 0, "Status", &styles.header)?;
    sheet.write_string_with_format(r, 1, "Rows", &styles.header)?;
    let first_status_row = r + 1;
    for status in Status::ALL {
        r += 1;
        sheet.write_string_with_format(r, 0, status.as_str(), styles.status(status))?;
        sheet.write_number_with_format(
            r,
            1,
            totals.count(status) as f64,
            &styles.summary_number,
        )?;
    }
    let chart = status_chart(&sheet.name(), first_status_row, r);
    sheet.insert_chart(0, 3, &chart)?;
    r += 2;
    for (col, title) in ["Encoding", "Messages", "Segments"].into_iter().enumerate() {
        sheet.write_string_with_format(r, col_num(col), title, &styles.header)?;
    }
    sheet.set_column_width(2, 12)?;
    for (name, t) in [
        ("GSM-7", totals.encodings.gsm7),
        ("UCS-2", totals.encodings.ucs2),
        (
            "Total",
            crate::plan::outcome::EncodingTotals {
                messages: totals.messages(),
                segments: totals.segments(),
            },
        ),
    ] {
        r += 1;
        sheet.write_string(r, 0, name)?;
        sheet.write_number_with_format(r, 1, t.messages as f64, &styles.summary_number)?;
        sheet.write_number_with_format(r, 2, t.segments as f64, &styles.summary_number)?;
    }
    // What look-alike characters cost, over the messages to send: every line always, so a
    // reader of many runs' Summary sheets finds them in the same cells.
    r += 2;
    sheet.write_string_with_format(r, 0, "Look-alike characters", &styles.header)?;
    sheet.write_string_with_format(r, 1, "", &styles.header)?;
    for (label, n) in [
        (
            "Messages UCS-2 only because of look-alikes",
            totals.avoidable.messages,
        ),
        (
            "Segments --gsm-substitute would save",
            totals.avoidable.segments,
        ),
        (
            "Messages changed by --gsm-substitute",
            totals.substituted.messages,
        ),
        (
            "Segments saved by --gsm-substitute",
            totals.substituted.segments,
        ),
    ] {
        r += 1;
        sheet.write_string(r, 0, label)?;
        sheet.write_number_with_format(r, 1, n as f64, &styles.summary_number)?;
    }
    Ok(())
}

/// A column chart of the status table on `sheet` (rows `first` to `last`, names in column A,
/// counts in B), each bar in its status's colour. Every status has its bar, so charts of
/// different runs compare at a glance; a zero count shows no label.
pub(super) fn status_chart(sheet: &str, first: u32, last: u32) -> Chart {
    let points: Vec<ChartPoint> = Status::ALL
        .into_iter()
        .map(|status| {
            let (_, color) = tone_colors(status.tone());
            ChartPoint::new().set_format(
                ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)),
            )
        })
        .collect();
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name("Rows")
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 1, last, 1))
        .set_points(&points)
        .set_data_label(ChartDataLabel::new().show_value().set_num_format("#,##0;;"))
        .set_gap(50);
    chart.title().set_name("Rows by status");
    chart.legend().set_hidden();
    chart.y_axis().set_num_format("#,##0");
    chart.set_width(640);
    chart
}

/// The Summary's label column: its longest label ("Messages UCS-2 only because of
/// look-alikes") fits.
pub(super) const SUMMARY_LABEL_WIDTH: f64 = 44.0;

/// A value in the Summary sheet's Run table.
pub(super) enum SummaryValue {
    Text(String),
    Number(f64),
    /// A duration, kept and shown to the millisecond.
    Seconds(f64),
    /// Messages a second, shown to one decimal.
    Rate(f64),
}

impl SummaryValue {
    pub(super) fn write(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        styles: &Styles,
    ) -> Result<(), XlsxError> {
        match self {
            SummaryValue::Text(s) => sheet.write_string(row, col, fit_cell(s))?,
            SummaryValue::Number(n) => {
                sheet.write_number_with_format(row, col, *n, &styles.summary_number)?
            }
            SummaryValue::Seconds(s) => {
                sheet.write_number_with_format(row, col, to_millisecond(*s), &styles.seconds)?
            }
            SummaryValue::Rate(r) => {
                sheet.write_number_with_format(row, col, (r * 10.0).round() / 10.0, &styles.rate)?
            }
        };
        Ok(())
    }
}

impl From<String> for SummaryValue {
    fn from(s: String) -> SummaryValue {
        SummaryValue::Text(s)
    }
}

impl From<usize> for SummaryValue {
    fn from(n: usize) -> SummaryValue {
        SummaryValue::Number(n as f64)
    }
}
