//! Per-row templates (a message column), parsed and bound once per distinct text.

use crate::book::Headers;
use crate::book::value::{Value, ValueFormat};
use crate::text::template::{BoundTemplate, Template};
use rustc_hash::FxHashMap;

/// Per-row templates, parsed and bound once per distinct text rather than once per row: a
/// message column usually repeats one or a few templates on every row.
#[derive(Default)]
pub(super) struct TemplateCache {
    parsed: FxHashMap<Box<str>, Result<BoundTemplate, String>>,
}

impl TemplateCache {
    /// Distinct templates kept; a sheet of all-different templates just parses each.
    const CAPACITY: usize = 256;

    pub(super) fn get(
        &mut self,
        cell: &Value,
        headers: &Headers,
        format: &ValueFormat,
    ) -> Result<&BoundTemplate, String> {
        let shown;
        let source: &str = match cell {
            Value::Text(s) => s,
            other => {
                shown = format.display(other);
                &shown
            }
        };
        if !self.parsed.contains_key(source) {
            if self.parsed.len() >= Self::CAPACITY {
                self.parsed.clear();
            }
            let template = Template::parse(source)
                .and_then(|t| t.bind(headers))
                .map_err(|e| format!("message template: {e}"));
            self.parsed.insert(source.into(), template);
        }
        match self.parsed.get(source) {
            Some(Ok(template)) => Ok(template),
            Some(Err(e)) => Err(e.clone()),
            None => Err("message template: internal error (please report it)".to_owned()),
        }
    }
}
