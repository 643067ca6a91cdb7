//! The column that holds the numbers, found by its name when none is given: the same names
//! for a workbook's recipients (`send`) and for an exclude or opt-out list.

/// Header names recognised as the recipient column, in order of preference.
pub const RECIPIENT_HEADERS: [&str; 8] = [
    "phone",
    "mobile",
    "recipient",
    "number",
    "msisdn",
    "to",
    "cell",
    "gsm",
];
