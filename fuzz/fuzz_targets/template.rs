//! Template parsing, binding to a fixed header and rendering against arbitrary cells: no input
//! may panic, and the canonical form written back by `Display` parses to the same template.

#![no_main]

use chrono::{DateTime, NaiveTime, TimeDelta};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use smsmerge::book::Headers;
use smsmerge::book::value::{Value, ValueFormat};
use smsmerge::text::template::Template;

/// The sheet every template is bound to (Arabic, spaces and case included).
const HEADER: [&str; 8] = [
    "Phone",
    "Name",
    "First Name",
    "Amount",
    "Due",
    "الاسم",
    " Notes ",
    "a|b",
];

fn value(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0u8..=8)? {
        0 => Value::Empty,
        1 => Value::text(u.arbitrary::<&str>()?),
        2 => Value::Int(u.arbitrary()?),
        3 => Value::Number(f64::from_bits(u.arbitrary()?)),
        4 => Value::Bool(u.arbitrary()?),
        5 => match DateTime::from_timestamp(u.arbitrary()?, 0) {
            Some(t) => Value::DateTime(t.naive_utc()),
            None => Value::Empty,
        },
        6 => match NaiveTime::from_num_seconds_from_midnight_opt(u.arbitrary()?, 0) {
            Some(t) => Value::Time(t),
            None => Value::Empty,
        },
        7 => match TimeDelta::try_seconds(u.arbitrary()?) {
            Some(d) => Value::Duration(d),
            None => Value::Empty,
        },
        _ => Value::Error(u.arbitrary::<&str>()?.into()),
    })
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let text: &str = u.arbitrary()?;
    let date_format: Option<&str> = u.arbitrary()?;
    let mut cells = Vec::new();
    while cells.len() < HEADER.len() + 2 && !u.is_empty() {
        cells.push(value(&mut u)?);
    }

    let Ok(template) = Template::parse(text) else {
        return Ok(());
    };
    let canonical = template.to_string();
    let again = Template::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
    assert_eq!(again, template, "canonical form {canonical:?} of {text:?}");
    let _ = template.columns();
    if !text.contains("{{") {
        // No placeholders: the template is its own text.
        assert_eq!(canonical, text);
    }

    let headers = Headers::new(HEADER.iter().map(|h| (*h).to_owned()).collect());
    let Ok(bound) = template.bind(&headers) else {
        return Ok(());
    };
    let format = match date_format.map(|f| ValueFormat::new(Some(f))) {
        Some(Ok(format)) => format,
        Some(Err(_)) | None => ValueFormat::default(),
    };
    match bound.render(&cells, &format) {
        Ok(message) => {
            if !text.contains("{{") {
                assert_eq!(message, text);
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a reason");
            for e in errors {
                let _ = e.to_string();
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
