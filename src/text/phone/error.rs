//! Why a cell is no phone number: each error is a sentence the user can act on.

use crate::text::numbering::PlanProblem;

/// Why a recipient number was rejected.
///
/// Exists so that each row of the results workbook can say what to fix: the
/// `Display` text is that row's `Detail`, one short sentence quoting the
/// offending value where it helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// The cell was empty or held only spaces and punctuation.
    #[error("no recipient number")]
    Empty,

    /// The text held letters, such as `ext` or `Tel:`.
    #[error("'{value}' contains letters ('{letters}'): put only the phone number in the cell")]
    Letters {
        /// The cell text as shown to the user.
        value: String,
        /// The letters found, runs separated by spaces.
        letters: String,
    },

    /// The text held a symbol that has no place in a phone number.
    #[error("'{value}' contains '{symbol}', which does not belong in a phone number")]
    Symbol {
        /// The cell text as shown to the user.
        value: String,
        /// The first such symbol (invisible ones written as `U+XXXX`).
        symbol: String,
    },

    /// A `+` stood somewhere other than at the start.
    #[error(
        "'{value}' has a '+' after the start: '+' may only begin the number, like +961 3 123456"
    )]
    MisplacedPlus {
        /// The cell text as shown to the user.
        value: String,
    },

    /// Excel wrote a long number as `9.61312E+09` and the digits are gone.
    #[error(
        "'{value}' lost its digits to scientific notation: format the phone column as Text and enter the numbers again"
    )]
    ScientificNotation {
        /// The cell text as shown to the user.
        value: String,
    },

    /// Text such as `0501234567.0`: a leading `0` and a decimal `.0`, so
    /// neither a national number nor a number exported from a numeric cell.
    #[error(
        "'{value}' ends in a decimal .0, which is no part of a phone number: delete it or format the column as Text"
    )]
    DecimalText {
        /// The cell text as shown to the user.
        value: String,
    },

    /// The cell held two or more numbers, such as `03123456 / 71123456`.
    #[error("'{value}' holds more than one number: put one number per row")]
    MultipleNumbers {
        /// The cell text as shown to the user.
        value: String,
    },

    /// A national number (leading `0`) and no `--country-code` to complete it.
    #[error("national number {digits} (starts with 0) needs a country code (use --country-code)")]
    NationalWithoutCountryCode {
        /// The national digits, leading `0` included.
        digits: String,
    },

    /// A number written with an area code in brackets, `(201) 555-0123`, and no
    /// `--country-code` to say whose area code it is.
    #[error(
        "{digits} is written as a national number (an area code in brackets): give --country-code, or write it with + and its country code"
    )]
    AreaCodeWithoutCountryCode {
        /// The digits as written.
        digits: String,
    },

    /// Text without `+`, `00` or a leading `0` that does not start with the
    /// given country code: it may be a national number that lost its `0`
    /// (numbers exported to CSV do), so it is not guessed at.
    #[error(
        "{digits} has no + or leading 0 and its digits do not start with country code {country}: write it as +{country}… or with its own +country code"
    )]
    TextWithoutCountryCode {
        /// The digits found.
        digits: String,
        /// The `--country-code` digits.
        country: String,
    },

    /// A numeric cell that does not start with the given country code:
    /// most likely Excel dropped the leading `0` of a national number.
    #[error(
        "{digits} is stored as a number without country code {country} (Excel drops a leading 0): format the column as Text or write the number as +{country}…"
    )]
    NumericWithoutCountryCode {
        /// The cell's digits.
        digits: String,
        /// The `--country-code` digits.
        country: String,
    },

    /// A trunk `0` right after a country code whose numbers never start with 0.
    #[error(
        "{digits} has a 0 right after country code {country}; that 0 is dialled only inside the country: write +{country} and the number without it"
    )]
    ZeroAfterCountryCode {
        /// The normalized digits.
        digits: String,
        /// The country code found at the start.
        country: String,
    },

    /// After `+` or `00` the digits start with `0`, and no country code does.
    #[error("{digits} starts with 0 after the + or 00, but no country code starts with 0")]
    StartsWithZero {
        /// The digits after the international prefix.
        digits: String,
    },

    /// Fewer than 8 digits with the country code in front.
    #[error(
        "{digits} is too short: {count} digits, but a number with its country code has 8 to 15"
    )]
    TooShort {
        /// The normalized digits.
        digits: String,
        /// How many digits there are.
        count: usize,
    },

    /// More than 15 digits with the country code in front.
    #[error("{digits} is too long: {count} digits, but a number with its country code has 8 to 15")]
    TooLong {
        /// The normalized digits (shortened if very long).
        digits: String,
        /// How many digits there are.
        count: usize,
    },

    /// The numbering plan of the number's country knows no such number, or it is a landline.
    #[error(transparent)]
    Plan(#[from] PlanProblem),

    /// A national spelling that the country's own trunk and international prefixes do not
    /// read as a number there (a `0…` number in NANP, which has no trunk `0`).
    #[error(
        "{digits} is not a number in {country} as written: write it with + and its country code"
    )]
    NotNational {
        /// The digits as written.
        digits: String,
        /// The country and its code.
        country: String,
    },

    /// Bare digits that are a valid number read as national and another read as
    /// international: sending to either is a guess.
    #[error("{digits} could be {first} or {second}: {fix}")]
    TwoReadings {
        /// The digits as written.
        digits: String,
        /// The national reading.
        first: String,
        /// The international reading.
        second: String,
        /// What to change in the sheet.
        fix: &'static str,
    },

    /// Bare digits that are no valid number either way.
    #[error("{digits} is no valid number as {first} or as {second}: {fix}")]
    NoReading {
        /// The digits as written.
        digits: String,
        /// The national reading.
        first: String,
        /// The international reading.
        second: String,
        /// What to change in the sheet.
        fix: &'static str,
    },

    /// A numeric cell held NaN or infinity.
    #[error("numeric cell holds {value}, which is not a phone number")]
    NotFinite {
        /// The value as Rust prints it.
        value: String,
    },

    /// A numeric cell held a negative number.
    #[error("numeric cell holds {value}, a negative number, which is not a phone number")]
    Negative {
        /// The value as Rust prints it.
        value: String,
    },

    /// A numeric cell held a fraction, such as `961.5`.
    #[error("numeric cell holds {value}, which is not a whole number, so not a phone number")]
    NotWhole {
        /// The value as Rust prints it (shortened if very long).
        value: String,
    },
}
