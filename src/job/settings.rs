//! The settings of one send, checked and in domain terms: what the command line's flags and
//! config file become, and what a page's form becomes, before any workbook is read. They are
//! bound to the sheet's header once it is known. How they are parsed lives with each face
//! (`cli::settings` for the flags); what they mean lives here, so both faces plan alike.

use crate::book::value::ValueFormat;
use crate::book::{Headers, SheetChoice, Table, Wanted};
use crate::dispatch::DispatchSettings;
use crate::dispatch::journal::PlanArgs;
use crate::dispatch::schedule::Schedule;
use crate::gateway::connection::GatewaySettings;
use crate::plan::budget::{Budget, Price};
use crate::plan::exclude::{self, ExcludeList};
use crate::plan::recipient::RECIPIENT_HEADERS;
use crate::plan::templates::{self, NamedTemplates};
use crate::plan::{MessageSource, PlanSettings};
use crate::text::phone::NumberRules;
use crate::text::template::{BoundTemplate, Template};
use anyhow::{Result, anyhow, bail};
use std::path::PathBuf;
use std::sync::Arc;

/// The header of the optional per-row sender column.
pub const SENDER_HEADER: &str = "sender";

/// Everything `send` needs, checked.
#[derive(Debug)]
pub struct SendSettings {
    /// The input workbook.
    pub book: PathBuf,
    /// Which sheet.
    pub sheet: SheetChoice,
    /// `--to`.
    pub to: Option<String>,
    /// The global template, parsed (not yet bound to a header).
    pub template: Option<Template>,
    /// `--template-name`: a template of the Templates sheet for every row.
    pub template_name: Option<String>,
    /// `--message-column`: where per-row templates are when there is no global template.
    pub message_column: String,
    /// `--sender`, checked.
    pub sender: Option<String>,
    /// `--header-row` (or the config's `header_row`): the 1-based row of the titles.
    pub header_row: Option<u32>,
    /// `--country-code`, `--no-number-check`, `--allow-landlines`.
    pub numbers: NumberRules,
    /// `--date-format` and `--time-format`, checked.
    pub format: ValueFormat,
    /// `--skip-hidden-rows` (or the config's `skip_hidden_rows`): rows hidden in Excel are
    /// SKIPPED.
    pub skip_hidden_rows: bool,
    /// `--allow-duplicates`.
    pub allow_duplicates: bool,
    /// `--max-segments`.
    pub max_segments: usize,
    /// `--gsm-substitute`, or `gsm_substitute = true` in the config file.
    pub gsm_substitute: bool,
    /// `--gsm-only`.
    pub gsm_only: bool,
    /// `--strict-braces`.
    pub strict_braces: bool,
    /// The `--exclude` lists, read.
    pub exclude: Option<Arc<ExcludeList>>,
    /// Where the results go.
    pub output: PathBuf,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--yes`.
    pub yes: bool,
    /// `--fresh`.
    pub fresh: bool,
    /// `--again`.
    pub again: bool,
    /// What decides the batch's messages, as the journal records it.
    pub recorded: PlanArgs,
    /// `--ignore-balance`.
    pub ignore_balance: bool,
    /// Concurrency, rate, retries, limit.
    pub dispatch: DispatchSettings,
    /// Where to send.
    pub gateway: GatewaySettings,
    /// When requests may start (`--quiet-hours`, `--not-before`); `None`: at any time.
    pub schedule: Option<Schedule>,
    /// `--no-wait`.
    pub no_wait: bool,
    /// `--max-total-segments` (or the config file's): `None` sends any amount.
    pub budget: Option<Budget>,
    /// `price_per_segment` and `currency` of the config file, for estimated costs.
    pub price: Option<Price>,
}

impl SendSettings {
    /// Whether this run has no sender at all (neither `--sender` nor a sender column in
    /// `headers`): a dry run goes ahead and says so, a real send is refused.
    pub fn lacks_sender(&self, headers: &Headers) -> bool {
        self.sender.is_none() && headers.find(SENDER_HEADER).is_none()
    }

    /// The recipient column of a header: `--to`, else the first recognised name.
    pub fn recipient_column(&self, headers: &Headers) -> Option<usize> {
        match &self.to {
            Some(name) => headers.find(name),
            None => RECIPIENT_HEADERS.iter().find_map(|h| headers.find(h)),
        }
    }

    /// What the automatic sheet choice looks for, worded for the error when no sheet has it.
    pub fn wanted<'a>(&self, test: &'a dyn Fn(&Headers) -> bool) -> Wanted<'a> {
        match &self.to {
            Some(name) => Wanted {
                test,
                description: format!("a column {name:?} (from --to)"),
                header_row: self.header_row,
                hint: "check the spelling, or choose the sheet with --sheet".to_owned(),
                suggest: &|_| None,
            },
            None => Wanted {
                test,
                description: format!("a recipient column ({})", RECIPIENT_HEADERS.join(", ")),
                header_row: self.header_row,
                hint: "name the column with --to COLUMN, or choose the sheet with --sheet"
                    .to_owned(),
                suggest: &|headers| suggest_recipient_column(headers).map(|s| s.to_string()),
            },
        }
    }

    /// Ties the settings to the sheet that was read: finds the columns, binds the global
    /// template. An unknown column here stops the run before any row is planned.
    /// `templates` is the workbook's Templates sheet, if it has one.
    pub fn bind(
        &self,
        table: &Table,
        templates: Option<&Result<NamedTemplates, String>>,
    ) -> Result<PlanSettings> {
        let headers = &table.headers;
        let recipient_column = self.recipient_column(headers).ok_or_else(|| {
            let listing = headers.listing();
            match &self.to {
                Some(name) => anyhow!(
                    "{}: sheet {:?} has no column {name:?} (from --to); the headers are {listing}",
                    table.path.display(),
                    table.sheet
                ),
                None => anyhow!(
                    "{}: sheet {:?} has no recipient column (one of {}); the headers are {listing}; {}",
                    table.path.display(),
                    table.sheet,
                    RECIPIENT_HEADERS.join(", "),
                    suggest_recipient_column(headers).map_or_else(
                        || "name it with --to COLUMN".to_owned(),
                        |s| s.to_string()
                    )
                ),
            }
        })?;
        let message = self.message_source(table, templates)?;
        let sender_column = headers.find(SENDER_HEADER);
        let default_sender = match (&self.sender, sender_column) {
            // A dry run or a preview sends nothing, so it needs no sender to check numbers,
            // texts and duplicates: every row is planned as one sender's would be (the key
            // still tells duplicates apart), and the plan says a real send needs one.
            (None, None) if self.dry_run => Some(String::new()),
            (sender, _) => sender.clone(),
        };
        if sender_column.is_none() && default_sender.is_none() {
            bail!(
                "{}: no sender id: give --sender ID, or add a {SENDER_HEADER:?} column to sheet {:?}",
                table.path.display(),
                table.sheet
            );
        }
        Ok(PlanSettings {
            recipient_column,
            message,
            sender_column,
            default_sender,
            numbers: self.numbers.clone(),
            allow_duplicates: self.allow_duplicates,
            max_segments: self.max_segments,
            format: self.format.clone(),
            exclude: self.exclude.clone(),
            opt_out_column: headers.find(exclude::OPT_OUT_COLUMN),
            gsm_substitute: self.gsm_substitute,
            gsm_only: self.gsm_only,
            strict_braces: self.strict_braces,
            skip_hidden_rows: self.skip_hidden_rows,
        })
    }
}

impl SendSettings {
    /// Where each row's template comes from, in order: `--template`/`--template-file`,
    /// `--template-name`, a `template` column naming templates of the Templates sheet, the
    /// message column.
    fn message_source(
        &self,
        table: &Table,
        templates: Option<&Result<NamedTemplates, String>>,
    ) -> Result<MessageSource> {
        let headers = &table.headers;
        let book = table.path.display();
        if let Some(template) = &self.template {
            let bound = template
                .bind(headers)
                .map_err(|e| anyhow!("{book}: template: {e}"))?;
            return self.global(bound, "the template");
        }
        let no_sheet = |why: String| {
            anyhow!(
                "{book}: {why}, but there is no sheet named {:?}; add one with the columns \"name\" and \"text\" (one template per row), or give the text with --template",
                templates::SHEET
            )
        };
        if let Some(name) = &self.template_name {
            let named =
                templates.ok_or_else(|| no_sheet(format!("--template-name {name:?} was given")))?;
            let named = named.as_ref().map_err(|e| anyhow!("{e}"))?;
            let bound = named
                .bound(name, headers)
                .map_err(|e| anyhow!("{book}: --template-name: {e}"))?;
            return self.global(bound, &format!("template {name:?} (--template-name)"));
        }
        let message_column = headers.find(&self.message_column);
        if let Some(column) = headers.find(templates::PICK_COLUMN) {
            match templates {
                Some(named) => {
                    let named = named.as_ref().map_err(|e| anyhow!("{e}"))?;
                    return Ok(MessageSource::Named {
                        column,
                        picker: named.bind_all(headers),
                        fallback: message_column,
                    });
                }
                // Without a Templates sheet a `template` column is ordinary data, unless it is
                // all there is to make messages from.
                None if message_column.is_none() => {
                    return Err(no_sheet(format!(
                        "sheet {:?} has a {:?} column, which picks templates by name",
                        table.sheet,
                        templates::PICK_COLUMN
                    )));
                }
                None => {}
            }
        }
        let column = message_column.ok_or_else(|| {
            anyhow!(
                "{book}: no message: sheet {:?} has no {:?} column and no --template was given; the headers are {}; use --template TEXT, --template-file PATH, --message-column COLUMN, or a Templates sheet with a {:?} column",
                table.sheet,
                self.message_column,
                headers.listing(),
                templates::PICK_COLUMN
            )
        })?;
        Ok(MessageSource::PerRow { column })
    }
}

impl SendSettings {
    /// The one template of every row, refused with `--strict-braces` when it names a column
    /// in single braces (`what` names it in the error).
    fn global(&self, bound: BoundTemplate, what: &str) -> Result<MessageSource> {
        if let (true, Some(hint)) = (self.strict_braces, bound.single_brace_hint()) {
            bail!("{what}: {hint} (--strict-braces)");
        }
        Ok(MessageSource::Global(bound))
    }
}

/// A header that is probably the phone column under another name (`Tel`, `Mobile No`,
/// `رقم الجوال`), for an error that can say exactly which `--to` to use.
pub struct RecipientSuggestion(String);

impl std::fmt::Display for RecipientSuggestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.0;
        let plain = name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if plain {
            write!(f, "use --to {name}")
        } else {
            write!(f, "use --to '{}'", name.replace('\'', r"'\''"))
        }
    }
}

/// Words that name a phone column in the languages smsmerge's users write headers in.
/// ("number" alone is left out: "Order number" is not a phone.)
const PHONE_WORDS: [&str; 13] = [
    "phone",
    "mobile",
    "tel",
    "cell",
    "gsm",
    "msisdn",
    "whatsapp",
    "هاتف",
    "جوال",
    "موبايل",
    "خلوي",
    "téléphone",
    "portable",
];

/// The first header containing a phone word, if any.
pub fn suggest_recipient_column(headers: &Headers) -> Option<RecipientSuggestion> {
    headers
        .names()
        .iter()
        .find(|name| {
            let lower = name.to_lowercase();
            PHONE_WORDS.iter().any(|w| lower.contains(w))
        })
        .map(|name| RecipientSuggestion(name.clone()))
}
