//! Turning rows into messages: each row of the table becomes a job that can be sent
//! (recipient, sender, text, encoding, segments, key) or a rejection with its reason.
//!
//! Pure: no I/O, no clock. Rows are rendered in parallel (rayon); duplicates are then found
//! in one pass in row order, so "DUPLICATE of row N" always points at the earliest row.

pub mod budget;
mod duplicates;
pub mod exclude;
pub mod outcome;
pub mod recipient;
mod sender;
pub mod stray;
mod template_cache;
pub mod templates;

use crate::book::value::{Value, ValueFormat};
use crate::book::{Headers, Row, Table};
use crate::plan::templates::Picker;
use crate::text::lookalike::{self, CostNote};
use crate::text::phone::{self, NumberRules};
use crate::text::sms::{self, SmsInfo};
use crate::text::template::{BoundTemplate, Template};
use duplicates::mark_duplicates;
use exclude::{ExcludeList, OptOut};
use rayon::prelude::*;
pub use sender::check_sender;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use template_cache::TemplateCache;

/// Where each row's message template comes from.
#[derive(Debug, Clone)]
pub enum MessageSource {
    /// One template for all rows (`--template`, `--template-file`).
    Global(BoundTemplate),
    /// Each row's own template, in this column.
    PerRow {
        /// Column index.
        column: usize,
    },
    /// Each row names a template of the Templates sheet in its `template` column.
    Named {
        /// The `template` column.
        column: usize,
        /// The sheet's templates, bound to this header.
        picker: Picker,
        /// The message column, for rows whose `template` cell is empty.
        fallback: Option<usize>,
    },
}

/// Everything planning needs, already checked against the sheet's header.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// Column holding the recipient number.
    pub recipient_column: usize,
    /// The message template(s).
    pub message: MessageSource,
    /// A `sender` column whose non-empty cells override the default sender.
    pub sender_column: Option<usize>,
    /// `--sender`, already checked.
    pub default_sender: Option<String>,
    /// `--country-code`, `--no-number-check`, `--allow-landlines`.
    pub numbers: NumberRules,
    /// `--allow-duplicates`.
    pub allow_duplicates: bool,
    /// `--max-segments`: longer messages are INVALID.
    pub max_segments: usize,
    /// How cell values print.
    pub format: ValueFormat,
    /// Numbers from `--exclude` lists: their rows are SKIPPED.
    pub exclude: Option<Arc<ExcludeList>>,
    /// An `opt_out` column: rows marked in it are SKIPPED.
    pub opt_out_column: Option<usize>,
    /// `--gsm-substitute`: characters with a GSM-7 look-alike are replaced before encoding.
    pub gsm_substitute: bool,
    /// `--gsm-only`: a message that still needs UCS-2 is INVALID.
    pub gsm_only: bool,
    /// `--strict-braces`: a template naming a column in single braces makes its rows
    /// INVALID.
    pub strict_braces: bool,
    /// `--skip-hidden-rows`: rows hidden in Excel are SKIPPED.
    pub skip_hidden_rows: bool,
}

/// The reason of a row SKIPPED by `--skip-hidden-rows`.
pub const HIDDEN_IN_EXCEL: &str = "hidden in Excel";

/// The identity of a message: a hash of recipient, sender and text. It recognises a message
/// across runs even when the workbook was edited or reordered (journal and resume use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageKey([u8; 16]);

impl MessageKey {
    /// Hashes the three parts with separators, so ("ab","c") and ("a","bc") differ.
    pub fn new(recipient: &str, sender: &str, text: &str) -> MessageKey {
        let mut hasher = blake3::Hasher::new();
        for part in [recipient, sender, text] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
        MessageKey(key)
    }
}

impl fmt::Display for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// How the row's number fared against its country's numbering plan: what the batch's
/// country check needs, and what the Summary counts so that a plan gone out of date shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NumberCheck {
    /// Accepted as written (`+`, `00`, a national form), or not checked at all.
    #[default]
    Accepted,
    /// Bare digits (no `+`, no `00`) taken as international: the batch checks it against
    /// the country most of its rows are in ([`stray::refuse_strays`]).
    AcceptedAsInternational,
    /// Refused by the plan (or the batch's country check) though the country-blind rules
    /// take it: the count `--no-number-check` would change.
    RefusedByPlan,
}

/// What planning decided for one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Sendable.
    Ready {
        /// The message's identity.
        key: MessageKey,
    },
    /// Not sendable; the reason is for a person.
    Invalid(Box<str>),
    /// Left out on purpose (an opt-out); the reason is for a person.
    Skipped(Box<str>),
    /// The same recipient and text as an earlier row (its spreadsheet row number).
    Duplicate {
        /// Row number of the first occurrence.
        of_row: u32,
    },
}

/// One row's plan. The fields are filled as far as the row got, so an INVALID row still shows
/// the recipient or the text that could be worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    /// The spreadsheet row number.
    pub row_number: u32,
    /// Normalized recipient (digits, country code first). Boxed rather than a `String`, here
    /// and for the text: a million planned rows are kept until the results are written, and
    /// a box has no spare capacity to keep (8 bytes less per field and row).
    pub recipient: Option<Box<str>>,
    /// Sender id; one shared copy for every row that uses `--sender`.
    pub sender: Option<Arc<str>>,
    /// The rendered text, exactly as it would be sent.
    pub text: Option<Box<str>>,
    /// Encoding and segments of `text`.
    pub sms: Option<SmsInfo>,
    /// What look-alike characters cost this row, or what `--gsm-substitute` replaced in it
    /// (boxed: most rows have none, and a million rows keep their plan until the end).
    pub cost_note: Option<Box<CostNote>>,
    /// Its template names a column in single braces (`{Name}`), which stay text: the
    /// results' Note says so ([`Plan::single_brace_note`]). A flag, not the note itself,
    /// since a million rows keep their plan until the end.
    pub single_braces: bool,
    /// How its number fared against the numbering plan.
    pub number_check: NumberCheck,
    /// The decision.
    pub verdict: Verdict,
}

impl PlannedRow {
    /// True when the row would be sent.
    pub fn is_ready(&self) -> bool {
        matches!(self.verdict, Verdict::Ready { .. })
    }
}

/// The plan for a whole table: one entry per row, in table order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Same length and order as `table.rows`.
    pub rows: Vec<PlannedRow>,
    /// Where the rows' templates came from, so a report can say which template a row used
    /// without the plan keeping that for every row.
    pub message: Option<MessageSource>,
}

/// The template a row's message came from, as a person knows it: the unit the budget guard
/// blames when a batch costs too much.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TemplateUse<'a> {
    /// The one template of every row (`--template`, `--template-file`, `--template-name`).
    Global,
    /// A template of the Templates sheet, by its name as the sheet spells it.
    Named(&'a str),
    /// The row's own template, from the message column.
    Own {
        /// The message column's index.
        column: usize,
        /// The template's text.
        text: Cow<'a, str>,
    },
}

impl Plan {
    /// The template `row` (a row of the planned table) used; `None` when the plan does not
    /// know its sources or the row had no template to use.
    pub fn template_of<'a>(
        &'a self,
        row: &'a Row,
        format: &ValueFormat,
    ) -> Option<TemplateUse<'a>> {
        let text = |value: &'a Value| match value {
            Value::Text(text) => Cow::Borrowed(crate::book::value::trim_visible(text)),
            other => Cow::Owned(format.display(other)),
        };
        let own = |column: usize| {
            let cell = row.cells.get(column)?;
            (!cell.is_blank()).then(|| TemplateUse::Own {
                column,
                text: text(cell),
            })
        };
        match self.message.as_ref()? {
            MessageSource::Global(_) => Some(TemplateUse::Global),
            MessageSource::PerRow { column } => own(*column),
            MessageSource::Named {
                column,
                fallback,
                picker,
            } => match row.cells.get(*column)? {
                cell if cell.is_blank() => own((*fallback)?),
                cell => picker.name_of(&text(cell)).map(TemplateUse::Named),
            },
        }
    }
}

impl Plan {
    /// The note for a row whose template names a column in single braces (`row` is the
    /// planned table's row, `headers` its header): `single braces are text; did you mean
    /// {{Name}}?`. Worked out again from the row's template, which only rows flagged
    /// [`PlannedRow::single_braces`] need.
    pub fn single_brace_note(
        &self,
        row: &Row,
        headers: &Headers,
        format: &ValueFormat,
    ) -> Option<String> {
        let own;
        let template = match (self.template_of(row, format)?, self.message.as_ref()?) {
            (TemplateUse::Global, MessageSource::Global(template)) => template,
            (TemplateUse::Named(name), MessageSource::Named { picker, .. }) => {
                picker.pick(name).ok()?
            }
            (TemplateUse::Own { text, .. }, _) => {
                own = Template::parse(&text).ok()?.bind(headers).ok()?;
                &own
            }
            _ => return None,
        };
        template.single_brace_hint()
    }
}

/// Plans every row of the table.
pub fn build(table: &Table, settings: &PlanSettings) -> Plan {
    let planner = Planner::new(&table.headers, settings);
    let rows = planner.plan_rows(&table.rows);
    planner.finish(rows)
}

/// Plans rows in chunks, so a caller can plan the rows read so far while the rest of the
/// sheet is still being read; [`Planner::finish`] then marks duplicates over all of them,
/// in row order.
pub struct Planner<'a> {
    headers: &'a Headers,
    settings: &'a PlanSettings,
    /// `--sender`, shared by every row that uses it rather than copied into each.
    default_sender: Option<Arc<str>>,
}

impl<'a> Planner<'a> {
    /// A planner for rows under these headers.
    pub fn new(headers: &'a Headers, settings: &'a PlanSettings) -> Planner<'a> {
        Planner {
            headers,
            settings,
            default_sender: settings.default_sender.as_deref().map(Arc::from),
        }
    }

    /// Renders and checks rows (in parallel); the result is in the order of `rows`.
    pub fn plan_rows(&self, rows: &[Row]) -> Vec<PlannedRow> {
        rows.par_iter()
            .map_init(RowScratch::default, |scratch, row| {
                // A bug in one row's rendering must not take the batch down: the row becomes
                // INVALID and says so.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.plan_row(row, scratch)
                }))
                .unwrap_or_else(|_| PlannedRow {
                    row_number: row.number,
                    recipient: None,
                    sender: None,
                    text: None,
                    sms: None,
                    cost_note: None,
                    single_braces: false,
                    number_check: NumberCheck::Accepted,
                    verdict: Verdict::Invalid(
                        "internal error while planning this row (please report it)".into(),
                    ),
                })
            })
            .collect()
    }

    /// Marks duplicates (unless allowed) over every planned row, in row order.
    pub fn finish(&self, mut rows: Vec<PlannedRow>) -> Plan {
        // Before duplicates, so a refused row is no row's first occurrence.
        stray::refuse_strays(&mut rows);
        if !self.settings.allow_duplicates {
            mark_duplicates(&mut rows);
        }
        Plan {
            rows,
            message: Some(self.settings.message.clone()),
        }
    }

    fn plan_row(&self, row: &Row, scratch: &mut RowScratch) -> PlannedRow {
        let settings = self.settings;
        let mut problems: Vec<String> = Vec::new();
        let (recipient, number_check) = match self.recipient_of(row) {
            Ok(checked) if checked.read_as_international => {
                (Some(checked.digits), NumberCheck::AcceptedAsInternational)
            }
            Ok(checked) => (Some(checked.digits), NumberCheck::Accepted),
            Err((problem, check)) => {
                problems.push(problem);
                (None, check)
            }
        };
        let sender = self.sender_of(row).map_err(|e| problems.push(e)).ok();
        let (text, replaced, single_braces) = match self.text_of(row, scratch) {
            Ok(made) => (Some(made.text), made.replaced, made.single_braces),
            Err(problem) => {
                problems.push(problem);
                (None, None, false)
            }
        };
        let sms = text.as_deref().map(sms::analyze);
        let cost_note = match (replaced, &text, sms) {
            (Some((replaced, before)), _, Some(after)) => Some(CostNote::Replaced {
                replaced,
                before,
                after,
            }),
            (None, Some(text), Some(info)) => CostNote::avoidable(text, info),
            _ => None,
        }
        .map(Box::new);
        if let Some(info) = sms
            && info.segments > settings.max_segments
        {
            problems.push(format!(
                "message is {} segments ({} {}), more than --max-segments {}",
                info.segments,
                info.units,
                match info.encoding {
                    sms::Encoding::Gsm7 => "GSM-7 septets",
                    sms::Encoding::Ucs2 => "UCS-2 units",
                },
                settings.max_segments
            ));
        }
        if let (true, Some(text), Some(info)) = (settings.gsm_only, &text, sms)
            && info.encoding == sms::Encoding::Ucs2
        {
            problems.push(format!(
                "not GSM-7 (--gsm-only): {}",
                lookalike::describe_blockers(text, 10)
            ));
        }
        let verdict = match (
            self.opted_out(row, recipient.as_deref()),
            &recipient,
            &sender,
            &text,
        ) {
            // Before the opt-outs and the problems: the row is left out as the sheet shows it.
            _ if row.hidden && settings.skip_hidden_rows => {
                Verdict::Skipped(HIDDEN_IN_EXCEL.into())
            }
            (Ok(Some(reason)), ..) => Verdict::Skipped(reason.into()),
            (Err(problem), ..) => {
                problems.push(problem);
                Verdict::Invalid(problems.join("; ").into())
            }
            (Ok(None), Some(to), Some(from), Some(text)) if problems.is_empty() => Verdict::Ready {
                key: MessageKey::new(to, from, text),
            },
            _ => Verdict::Invalid(problems.join("; ").into()),
        };
        PlannedRow {
            row_number: row.number,
            recipient: recipient.map(String::into_boxed_str),
            sender,
            text,
            sms,
            cost_note,
            single_braces,
            number_check,
            verdict,
        }
    }

    /// The row's number checked, or why not and whether only the numbering plan refused it.
    fn recipient_of(&self, row: &Row) -> Result<phone::Checked, (String, NumberCheck)> {
        let settings = self.settings;
        let column = &self.headers.names()[settings.recipient_column];
        let cell = &row.cells[settings.recipient_column];
        let raw = match (phone::raw_number(cell), cell) {
            (Some(raw), _) => raw,
            (None, Value::Error(code)) => {
                return Err((
                    format!("{column:?} holds the error {code}"),
                    NumberCheck::Accepted,
                ));
            }
            (None, other) => {
                let shown = settings.format.display(other);
                return Err((
                    format!("{column:?} holds {shown:?}, which is not a phone number"),
                    NumberCheck::Accepted,
                ));
            }
        };
        let rules = &settings.numbers;
        phone::check_reading(raw, rules).map_err(|e| {
            let blind_rules_take_it =
                rules.check_plan && phone::normalize(raw, rules.country.as_ref()).is_ok();
            let check = if blind_rules_take_it {
                NumberCheck::RefusedByPlan
            } else {
                NumberCheck::Accepted
            };
            (e.to_string(), check)
        })
    }

    fn sender_of(&self, row: &Row) -> Result<Arc<str>, String> {
        let settings = self.settings;
        let cell = settings
            .sender_column
            .map(|c| (c, &row.cells[c]))
            .filter(|(_, v)| !v.is_blank());
        let from_column = match cell {
            Some((c, Value::Error(code))) => {
                return Err(format!(
                    "{:?} holds the error {code}",
                    self.headers.names()[c]
                ));
            }
            Some((_, v)) => Some(settings.format.display(v)),
            None => None,
        };
        match (from_column, &self.default_sender) {
            (Some(own), _) => check_sender(&own)
                .map(Arc::from)
                .map_err(|e| format!("sender: {e}")),
            (None, Some(default)) => Ok(Arc::clone(default)),
            (None, None) => Err("no sender: fill the sender column or give --sender".to_owned()),
        }
    }

    /// The row's message as it will be sent, and what `--gsm-substitute` replaced in it with
    /// the encoding and segments the text had before (`None` when nothing was replaced).
    fn text_of(&self, row: &Row, scratch: &mut RowScratch) -> Result<RowText, String> {
        let settings = self.settings;
        let RowScratch {
            text: out,
            templates,
        } = scratch;
        out.clear();
        let template: &BoundTemplate = match &settings.message {
            MessageSource::Global(template) => template,
            MessageSource::PerRow { column } => self.own_template(row, *column, templates)?,
            MessageSource::Named {
                column,
                picker,
                fallback,
            } => {
                let cell = &row.cells[*column];
                let header = &self.headers.names()[*column];
                match (cell, fallback) {
                    (Value::Error(code), _) => {
                        return Err(format!("no message: {header:?} holds the error {code}"));
                    }
                    (cell, Some(message)) if cell.is_blank() => {
                        self.own_template(row, *message, templates)?
                    }
                    (cell, None) if cell.is_blank() => {
                        return Err(format!(
                            "no message: {header:?} is empty; name a template of the Templates sheet"
                        ));
                    }
                    (Value::Text(name), _) => picker.pick(name)?,
                    (other, _) => picker.pick(&settings.format.display(other))?,
                }
            }
        };
        let single_braces = match template.single_brace_hint() {
            Some(hint) if settings.strict_braces => {
                return Err(format!("message template: {hint} (--strict-braces)"));
            }
            hint => hint.is_some(),
        };
        let rendered = template.render_into(&row.cells, &settings.format, out);
        rendered.map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        // Trimmed before substituting, so only what is sent counts as replaced (a no-break
        // space at the end is trimmed, not replaced), and again after, for what substituting
        // left at either end.
        let mut text = crate::book::value::trim_visible(out);
        let substituted;
        let mut replaced = None;
        if settings.gsm_substitute {
            substituted = lookalike::substitute(text);
            if !substituted.replaced.is_empty() {
                replaced = Some((substituted.replaced, sms::analyze(text)));
            }
            text = crate::book::value::trim_visible(&substituted.text);
        }
        if text.is_empty() {
            return Err("the message is empty".to_owned());
        }
        // A copy of exactly the text's length: a million rows keep it until the results are
        // written, so a rendering buffer's spare capacity is not kept with each.
        Ok(RowText {
            text: Box::from(text),
            replaced,
            single_braces,
        })
    }
}

impl Planner<'_> {
    /// Why the row must not be sent although it could be: its `opt_out` cell, or its number
    /// on an `--exclude` list. An `opt_out` cell that says neither yes nor no is an error.
    fn opted_out(&self, row: &Row, recipient: Option<&str>) -> Result<Option<String>, String> {
        let settings = self.settings;
        if let Some(column) = settings.opt_out_column
            && exclude::opt_out(&row.cells[column], &settings.format)? == OptOut::Yes
        {
            return Ok(Some(format!(
                "opted out ({:?} column)",
                self.headers.names()[column]
            )));
        }
        if let (Some(list), Some(to)) = (&settings.exclude, recipient)
            && list.contains(to)
        {
            return Ok(Some("opted out (on the --exclude list)".to_owned()));
        }
        Ok(None)
    }

    /// The row's own template, in its message column.
    fn own_template<'s>(
        &self,
        row: &Row,
        column: usize,
        templates: &'s mut TemplateCache,
    ) -> Result<&'s BoundTemplate, String> {
        let cell = &row.cells[column];
        let name = &self.headers.names()[column];
        if cell.is_blank() {
            return Err(format!("no message: {name:?} is empty"));
        }
        if let Value::Error(code) = cell {
            return Err(format!("no message: {name:?} holds the error {code}"));
        }
        templates.get(cell, self.headers, &self.settings.format)
    }
}

/// What `--gsm-substitute` replaced in a text, and the text's encoding and segments before.
type Replaced = (Vec<(char, &'static str, usize)>, SmsInfo);

/// A row's message as it will be sent, and what is worth noting about how it was made.
struct RowText {
    text: Box<str>,
    /// What `--gsm-substitute` replaced (`None` when nothing was).
    replaced: Option<Replaced>,
    /// Its template names a column in single braces (`{Name}`).
    single_braces: bool,
}

/// What one planning thread reuses from row to row.
#[derive(Default)]
struct RowScratch {
    /// The buffer a message is rendered into before it is trimmed and copied out.
    text: String,
    /// Per-row templates already parsed.
    templates: TemplateCache,
}

#[cfg(test)]
mod tests {
    use super::duplicates::mark_duplicates_hashed_by;
    use super::*;
    use crate::book::Headers;
    use std::path::PathBuf;

    fn table(rows: Vec<Vec<Value>>) -> Table {
        Table {
            path: PathBuf::from("t.xlsx"),
            sheet: "S".into(),
            headers: Headers::new(vec!["Phone".into(), "Name".into(), "Message".into()]),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i as u32 + 2,
                    cells,
                    hidden: false,
                })
                .collect(),
            untitled_columns: Vec::new(),
            ignored_columns: 0,
            title: None,
            skipped_sheets: Vec::new(),
        }
    }

    fn settings(table: &Table, template: &str) -> PlanSettings {
        PlanSettings {
            recipient_column: 0,
            message: MessageSource::Global(
                Template::parse(template)
                    .unwrap()
                    .bind(&table.headers)
                    .unwrap(),
            ),
            sender_column: None,
            default_sender: Some("OTSMS".into()),
            numbers: NumberRules::checked(Some("961".parse().unwrap())),
            allow_duplicates: false,
            max_segments: 10,
            format: ValueFormat::default(),
            exclude: None,
            opt_out_column: None,
            gsm_substitute: false,
            gsm_only: false,
            strict_braces: false,
            skip_hidden_rows: false,
        }
    }

    #[test]
    fn gsm_substitute_changes_the_sent_text_and_gsm_only_names_the_blockers() {
        let text = |s: &str| Value::Text(Arc::from(s));
        let tb = table(vec![
            vec![text("96170000001"), text("it’s"), Value::Empty],
            vec![text("96170000002"), text("بكم😀"), Value::Empty],
        ]);
        let plan = |gsm_substitute, gsm_only| {
            let s = PlanSettings {
                gsm_substitute,
                gsm_only,
                ..settings(&tb, "Hi {{Name}}")
            };
            build(&tb, &s).rows
        };
        let plain = plan(false, false);
        assert_eq!(plain[0].text.as_deref(), Some("Hi it’s"));
        let substituted = plan(true, false);
        assert_eq!(substituted[0].text.as_deref(), Some("Hi it's"));
        assert_eq!(
            substituted[0].sms.map(|i| i.encoding),
            Some(sms::Encoding::Gsm7)
        );
        assert_ne!(
            plain[0].verdict, substituted[0].verdict,
            "the key follows the text"
        );
        assert_eq!(
            substituted[1].sms.map(|i| i.encoding),
            Some(sms::Encoding::Ucs2)
        );
        let only = plan(false, true);
        assert_eq!(
            only[0].verdict,
            Verdict::Invalid("not GSM-7 (--gsm-only): \"’\" at 6".into())
        );
        assert_eq!(
            only[1].verdict,
            Verdict::Invalid(
                "not GSM-7 (--gsm-only): \"ب\" at 4, \"ك\" at 5, \"م\" at 6, \"😀\" at 7".into()
            )
        );
        let both = plan(true, true);
        assert!(both[0].is_ready());
        assert!(matches!(&both[1].verdict, Verdict::Invalid(why) if why.starts_with("not GSM-7")));
    }

    #[test]
    fn an_opt_out_wins_over_every_other_problem_and_an_unclear_one_is_invalid() {
        let text = |s: &str| Value::Text(Arc::from(s));
        // The Message column serves as the opt_out column here.
        let tb = table(vec![
            vec![text("96170000001"), text("Rana"), text("yes")],
            vec![text("junk"), text(""), text("TRUE")],
            vec![text("96170000002"), text("Karim"), text("")],
            vec![text("96170000003"), text("Maya"), text("perhaps")],
        ]);
        let list = crate::plan::exclude::ExcludeList::read(&[], &NumberRules::default()).unwrap();
        let s = PlanSettings {
            opt_out_column: Some(2),
            exclude: Some(Arc::new(list)),
            ..settings(&tb, "Hi {{Name}}")
        };
        let verdicts: Vec<Verdict> = build(&tb, &s).rows.into_iter().map(|r| r.verdict).collect();
        assert_eq!(
            verdicts[0],
            Verdict::Skipped("opted out (\"Message\" column)".into())
        );
        assert_eq!(
            verdicts[1],
            Verdict::Skipped("opted out (\"Message\" column)".into())
        );
        assert!(matches!(verdicts[2], Verdict::Ready { .. }));
        assert!(
            matches!(&verdicts[3], Verdict::Invalid(why) if why.contains("\"perhaps\"")),
            "{:?}",
            verdicts[3]
        );
    }

    fn t(s: &str) -> Value {
        Value::text(s)
    }

    #[test]
    fn a_good_row_is_ready_with_everything_filled() {
        let tb = table(vec![vec![
            Value::Number(9613123456.0),
            t("Ali"),
            Value::Empty,
        ]]);
        let plan = build(&tb, &settings(&tb, "Hi {{Name}}"));
        let row = &plan.rows[0];
        assert!(row.is_ready());
        assert_eq!(row.recipient.as_deref(), Some("9613123456"));
        assert_eq!(row.text.as_deref(), Some("Hi Ali"));
        assert_eq!(row.sender.as_deref(), Some("OTSMS"));
        assert_eq!(row.sms.unwrap().segments, 1);
        assert_eq!(row.row_number, 2);
    }

    #[test]
    fn invalid_rows_list_every_problem() {
        let tb = table(vec![vec![t("12"), Value::Empty, Value::Empty]]);
        let plan = build(&tb, &settings(&tb, "Hi {{Name}}"));
        let Verdict::Invalid(reason) = &plan.rows[0].verdict else {
            panic!("expected INVALID");
        };
        assert!(reason.contains("digits"), "{reason}");
        assert!(reason.contains("\"Name\" is empty"), "{reason}");
    }

    #[test]
    fn duplicates_point_at_the_first_row() {
        let row = || vec![t("+961 3 123456"), t("Ali"), Value::Empty];
        let other = vec![t("+961 3 123457"), t("Ali"), Value::Empty];
        let tb = table(vec![row(), other, row(), row()]);
        let plan = build(&tb, &settings(&tb, "Hi {{Name}}"));
        assert!(plan.rows[0].is_ready());
        assert!(plan.rows[1].is_ready());
        assert_eq!(plan.rows[2].verdict, Verdict::Duplicate { of_row: 2 });
        assert_eq!(plan.rows[3].verdict, Verdict::Duplicate { of_row: 2 });
    }

    #[test]
    fn duplicates_are_exact_even_when_every_hash_collides() {
        let rows = [
            ("+9613123456", "Ali"),
            ("+9613123457", "Ali"),
            ("+9613123456", "Sam"),
            ("+9613123457", "Ali"),
            ("+9613123456", "Ali"),
            ("+9613123456", "Sam"),
        ];
        let tb = table(
            rows.iter()
                .map(|(to, name)| vec![t(to), t(name), Value::Empty])
                .collect(),
        );
        let s = PlanSettings {
            allow_duplicates: true,
            ..settings(&tb, "Hi {{Name}}")
        };
        let mut planned = build(&tb, &s).rows;
        mark_duplicates_hashed_by(&mut planned, |_, _| 7);
        let verdicts: Vec<_> = planned.iter().map(|r| r.verdict.clone()).collect();
        assert!(matches!(verdicts[0], Verdict::Ready { .. }));
        assert!(matches!(verdicts[1], Verdict::Ready { .. }));
        assert!(matches!(verdicts[2], Verdict::Ready { .. }));
        assert_eq!(verdicts[3], Verdict::Duplicate { of_row: 3 });
        assert_eq!(verdicts[4], Verdict::Duplicate { of_row: 2 });
        assert_eq!(verdicts[5], Verdict::Duplicate { of_row: 4 });
    }

    #[test]
    fn allow_duplicates_keeps_them_ready() {
        let row = || vec![t("+9613123456"), t("Ali"), Value::Empty];
        let tb = table(vec![row(), row()]);
        let mut s = settings(&tb, "Hi {{Name}}");
        s.allow_duplicates = true;
        let plan = build(&tb, &s);
        assert!(plan.rows.iter().all(PlannedRow::is_ready));
    }

    #[test]
    fn same_number_different_text_is_not_a_duplicate() {
        let tb = table(vec![
            vec![t("+9613123456"), t("Ali"), Value::Empty],
            vec![t("+9613123456"), t("Sam"), Value::Empty],
        ]);
        let plan = build(&tb, &settings(&tb, "Hi {{Name}}"));
        assert!(plan.rows.iter().all(PlannedRow::is_ready));
    }

    #[test]
    fn per_row_templates_and_their_errors() {
        let tb = table(vec![
            vec![t("+9613123456"), t("Ali"), t("Hello {{name}}")],
            vec![t("+9613123457"), t("Ali"), t("Hello {{Nmae}}")],
            vec![t("+9613123458"), t("Ali"), Value::Empty],
        ]);
        let mut s = settings(&tb, "");
        s.message = MessageSource::PerRow { column: 2 };
        let plan = build(&tb, &s);
        assert_eq!(plan.rows[0].text.as_deref(), Some("Hello Ali"));
        let reasons: Vec<_> = plan.rows[1..]
            .iter()
            .map(|r| match &r.verdict {
                Verdict::Invalid(why) => why.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(
            reasons[0].contains("unknown column \"Nmae\""),
            "{}",
            reasons[0]
        );
        assert_eq!(&*reasons[1], "no message: \"Message\" is empty");
    }

    /// A million planned rows are kept until the results are written: every byte here is a
    /// megabyte there (the memory target in BENCHMARKS.md).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_planned_row_stays_small() {
        eprintln!("PlannedRow: {} bytes", std::mem::size_of::<PlannedRow>());
        assert!(std::mem::size_of::<PlannedRow>() <= 112);
    }

    #[test]
    fn too_many_segments_is_invalid() {
        let long = "x".repeat(161);
        let tb = table(vec![vec![t("+9613123456"), t(&long), Value::Empty]]);
        let mut s = settings(&tb, "{{Name}}");
        s.max_segments = 1;
        let plan = build(&tb, &s);
        let Verdict::Invalid(reason) = &plan.rows[0].verdict else {
            panic!("expected INVALID");
        };
        assert_eq!(
            &**reason,
            "message is 2 segments (161 GSM-7 septets), more than --max-segments 1"
        );
    }

    #[test]
    fn rendered_text_is_trimmed_and_blank_text_rejected() {
        let tb = table(vec![vec![t("+9613123456"), t("  "), Value::Empty]]);
        let plan = build(&tb, &settings(&tb, "  {{Name|}} \n"));
        assert_eq!(
            plan.rows[0].verdict,
            Verdict::Invalid("the message is empty".into())
        );
    }

    #[test]
    fn sender_rules() {
        assert_eq!(check_sender(" OTSMS ").unwrap(), "OTSMS");
        assert_eq!(check_sender("+96170123456").unwrap(), "+96170123456");
        assert!(check_sender("ABCDEFGHIJKL").is_err());
        assert!(check_sender("ABCDEFGHIJK").is_ok());
        assert!(check_sender("1234567890123456").is_err());
        assert!(check_sender("").is_err());
        assert!(check_sender("متجر").is_err());
        assert!(check_sender("MY\nSHOP").is_err());
        assert!(check_sender("@£$ÄÖ{}").is_err());
        assert!(check_sender("OT-SMS").is_ok());
        assert!(check_sender("#N/A").is_err());
    }

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(
            MessageKey::new("ab", "c", "d"),
            MessageKey::new("a", "bc", "d")
        );
        assert_eq!(
            MessageKey::new("a", "b", "c"),
            MessageKey::new("a", "b", "c")
        );
        assert_eq!(MessageKey::new("a", "b", "c").to_string().len(), 32);
    }
}
