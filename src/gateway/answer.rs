//! What an answer of the gateway means (`shared/design.md`, "Which failures are retried").
//!
//! The provider documents four error texts and nothing else, so the one firm rule is that an
//! answer counts as an acceptance only when it looks like one. A `2xx` that is empty, an HTML
//! or XML page, a PHP or ASP error message, longer than [`MAX_ANSWER_BYTES`], or not what
//! `success_pattern` says an acceptance looks like is [`SendError::NotAccepted`]: the message
//! may or may not have gone, and the script behind the gateway is broken for every message, so
//! dispatch stops the batch. Only statuses that say the message was not taken (429, 503) are
//! retried; 500, 502 and 504 can come from a proxy after the script forwarded the message.
//!
//! The balance is read here too: a number, perhaps with thousands separators and a currency
//! word, or [`Balance::Unreadable`] with what the gateway said instead.

use super::{ACCOUNT_ERRORS, Accepted, SendError};
use regex::Regex;
use std::time::Duration;

/// The most of an answer that is read: an acceptance is an id or a short text, and an error
/// page's first lines say what it is. A longer answer is not an acceptance, and the rest of it
/// is never read, so a runaway answer costs no memory.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Longest acceptance kept as the gateway's reference.
const MAX_REFERENCE_CHARS: usize = 500;

/// How much of an answer that is not an acceptance is quoted in the row's detail (its text,
/// tags removed).
pub const QUOTED_CHARS: usize = 200;

/// An HTTP answer as the client read it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The server's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
    /// The `Content-Type` header, when there was one.
    pub content_type: Option<&'a str>,
    /// The body, or its first [`MAX_ANSWER_BYTES`], as text (password already removed).
    pub body: &'a str,
    /// The body went on past [`MAX_ANSWER_BYTES`] and was not read further.
    pub too_long: bool,
}

/// What an answer to a send says about the message.
pub fn send_outcome(
    answer: &Answer<'_>,
    success_pattern: Option<&Regex>,
) -> Result<Accepted, SendError> {
    if !(200..=299).contains(&answer.status) {
        return Err(failure(answer));
    }
    if let Some(error) = account_error(answer) {
        return Err(error);
    }
    let text = trimmed(answer.body);
    match not_an_acceptance(answer, text, success_pattern) {
        Some(what) => {
            let head = format!("not an acceptance ({what}); the message may have been sent");
            let reason = match quote(answer.body) {
                quoted if quoted.is_empty() => head,
                // In quotes: what follows is the gateway's, not ours.
                quoted => format!("{head}: \"{quoted}\""),
            };
            Err(SendError::NotAccepted { reason })
        }
        None => Ok(Accepted {
            reference: cut(text, MAX_REFERENCE_CHARS),
        }),
    }
}

/// The account's balance as the gateway gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Balance {
    /// A number.
    Known {
        /// The answer, trimmed (`1,234.50 SAR`), as the plan and the Summary show it.
        text: String,
        /// Its value.
        amount: f64,
    },
    /// Something else, an error page say: the balance is not known.
    Unreadable {
        /// The start of what the gateway answered, tags removed; empty when it said nothing.
        answer: String,
    },
}

impl Balance {
    /// The balance's value, when it is known.
    pub fn amount(&self) -> Option<f64> {
        match self {
            Balance::Known { amount, .. } => Some(*amount),
            Balance::Unreadable { .. } => None,
        }
    }
}

impl std::fmt::Display for Balance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Balance::Known { text, .. } => f.write_str(text),
            Balance::Unreadable { answer } if answer.is_empty() => {
                f.write_str("unreadable (the gateway answered nothing)")
            }
            Balance::Unreadable { answer } => {
                write!(f, "unreadable (the gateway answered: {answer})")
            }
        }
    }
}

/// What an answer to a balance request says.
pub fn balance_outcome(answer: &Answer<'_>) -> Result<Balance, SendError> {
    if !(200..=299).contains(&answer.status) {
        return Err(failure(answer));
    }
    if let Some(error) = account_error(answer) {
        return Err(error);
    }
    let text = trimmed(answer.body);
    match parse_amount(text).filter(|_| !answer.too_long) {
        Some(amount) => Ok(Balance::Known {
            text: text.to_owned(),
            amount,
        }),
        None => Ok(Balance::Unreadable {
            answer: quote(answer.body),
        }),
    }
}

/// The failure a status other than `2xx` means.
fn failure(answer: &Answer<'_>) -> SendError {
    let status = answer.status;
    let head = format!("gateway answered HTTP {status}");
    match status {
        // The gateway says it did not take the message: safe to try again.
        429 | 503 => SendError::Retryable {
            reason: with_body(head, answer.body),
            retry_after: answer.retry_after,
        },
        // 500 (a script that died half-way), 502 and 504 (a proxy that gave up waiting for
        // the script, which may have forwarded the message meanwhile), and the rest.
        500..=599 => SendError::Uncertain {
            reason: with_body(
                format!("{head}; the message may have been sent"),
                answer.body,
            ),
        },
        300..=399 => SendError::Refused {
            reason: format!("gateway answered with a redirect (HTTP {status}); check the base URL"),
        },
        _ => SendError::Refused {
            reason: with_body(format!("gateway refused it: HTTP {status}"), answer.body),
        },
    }
}

/// One of the documented account-level errors, however it is dressed: a byte-order mark,
/// markup (`Invalid credential!<br>`), spaces, another letter case.
fn account_error(answer: &Answer<'_>) -> Option<SendError> {
    if answer.too_long {
        return None;
    }
    let text = without_tags(answer.body);
    ACCOUNT_ERRORS
        .iter()
        .find(|e| text.eq_ignore_ascii_case(e))
        .map(|e| SendError::Account {
            text: (*e).to_owned(),
        })
}

/// Why a `2xx` answer is not an acceptance, if it is not.
fn not_an_acceptance(
    answer: &Answer<'_>,
    text: &str,
    success_pattern: Option<&Regex>,
) -> Option<&'static str> {
    if answer.too_long {
        return Some("an answer longer than 64 KiB");
    }
    if text.is_empty() {
        return Some("an empty answer");
    }
    if error_message(&without_tags(text)) {
        return Some("a PHP or ASP error message");
    }
    if text.starts_with('<') {
        return Some("an HTML or XML page");
    }
    let matches = success_pattern.map(|pattern| pattern.is_match(text));
    // PHP sends `text/html` unless the script says otherwise, so an answer a configured
    // success_pattern recognises is taken whatever its content type.
    if markup_type(answer.content_type) && matches != Some(true) {
        return Some("an HTML or XML page, by its content type");
    }
    if matches == Some(false) {
        return Some("it does not match success_pattern");
    }
    None
}

/// Whether a `Content-Type` names HTML or XML.
fn markup_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("html") || t.contains("xml")
    })
}

/// The words PHP and ASP put in the pages they show when a script fails.
const ERROR_SIGNATURES: [&str; 12] = [
    "warning:",
    "fatal error",
    "parse error",
    "notice:",
    "deprecated:",
    "stack trace",
    "uncaught exception",
    "traceback (most recent call last)",
    "server error in '/' application",
    "microsoft ole db",
    "microsoft vbscript",
    "runtime error",
];

/// Whether text (tags removed) reads like a script's error message.
fn error_message(text: &str) -> bool {
    let lower = text.to_lowercase();
    ERROR_SIGNATURES.iter().any(|s| lower.contains(s))
}

/// An answer without the byte-order marks and spaces around it.
fn trimmed(body: &str) -> &str {
    body.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// `head`, and the start of `body` when it has any text.
fn with_body(head: String, body: &str) -> String {
    let quoted = quote(body);
    if quoted.is_empty() {
        head
    } else {
        format!("{head}: {quoted}")
    }
}

/// The first [`QUOTED_CHARS`] characters of an answer's text, tags removed.
fn quote(body: &str) -> String {
    cut(&without_tags(body), QUOTED_CHARS)
}

/// At most `max` characters of `text`, with `…` when it was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The text of an answer that may be HTML: tags, comments, scripts and styles removed, the
/// common entities decoded, byte-order marks dropped, and every run of spaces and line breaks
/// made one space, so that an error page reads as its message.
pub fn without_tags(body: &str) -> String {
    let mut text = String::with_capacity(body.len().min(4096));
    let mut rest = body;
    while let Some(at) = rest.find(['<', '&']) {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('&') {
            let (decoded, len) = entity(rest);
            text.push_str(decoded);
            rest = &rest[len..];
        } else {
            rest = after_tag(rest, &mut text);
        }
    }
    text.push_str(rest);
    let mut words = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c == '\u{feff}')
        .filter(|w| !w.is_empty())
    {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(word);
    }
    words
}

/// What follows the markup that `rest` starts with (`<`); a `<` that starts no tag is text.
fn after_tag<'a>(rest: &'a str, text: &mut String) -> &'a str {
    let tag_like = rest[1..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
    if !tag_like {
        text.push('<');
        return &rest[1..];
    }
    if let Some(comment) = rest.strip_prefix("<!--") {
        return comment.find("-->").map_or("", |end| &comment[end + 3..]);
    }
    let end = rest.find('>').map_or(rest.len(), |end| end + 1);
    let name: String = rest[1..end]
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    // A space where a tag that breaks the text was, so that `a<br>b` reads as two words and
    // `<b>Warning</b>:` as `Warning:`.
    if !INLINE_TAGS.contains(&name.as_str()) {
        text.push(' ');
    }
    let after = &rest[end..];
    // A script's or a style's content is code, not the message.
    if (name == "script" || name == "style") && !rest.starts_with("</") {
        let close = format!("</{name}");
        return after
            .to_ascii_lowercase()
            .find(&close)
            .map_or("", |at| &after[at..]);
    }
    after
}

/// Tags inside a line of text, which end no word.
const INLINE_TAGS: [&str; 16] = [
    "a", "b", "i", "u", "s", "em", "strong", "span", "font", "small", "big", "code", "tt", "sup",
    "sub", "mark",
];

/// The entity `rest` starts with (`&`), decoded, and its length; an unknown one is kept.
fn entity(rest: &str) -> (&'static str, usize) {
    const ENTITIES: [(&str, &str); 8] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#039;", "'"),
        ("&apos;", "'"),
        ("&nbsp;", " "),
    ];
    ENTITIES
        .iter()
        .find(|(name, _)| rest.starts_with(name))
        .map_or(("&", 1), |(name, decoded)| (decoded, name.len()))
}

/// A balance such as `1234.50`, `1,234.50 SAR`, `USD 1234`, `$12` or `-3` as a number; `None`
/// for anything else, however many digits it holds (`Fatal error ... on line 12` is no
/// balance of 12).
pub fn parse_amount(text: &str) -> Option<f64> {
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    match words[..] {
        [number] => amount(number),
        [first, second] if currency_word(second) => amount(first),
        [first, second] if currency_word(first) => amount(second),
        _ => None,
    }
}

/// Currency signs that may be written against the number (`$12`, `12€`).
const CURRENCY_SIGNS: [char; 6] = ['$', '€', '£', '¥', '₪', '﷼'];

/// A number with optional sign, thousands separators in groups of three, decimals, and a
/// currency sign against it.
fn amount(word: &str) -> Option<f64> {
    let word = word
        .strip_prefix(CURRENCY_SIGNS)
        .or_else(|| word.strip_suffix(CURRENCY_SIGNS))
        .unwrap_or(word);
    let unsigned = word.strip_prefix('-').unwrap_or(word);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, decimals_ok) = match unsigned.split_once('.') {
        Some((whole, decimals)) => (whole, digits(decimals)),
        None => (unsigned, true),
    };
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let whole_ok = digits(first)
        && (!whole.contains(',') || first.len() <= 3)
        && groups.all(|g| g.len() == 3 && digits(g));
    if !(whole_ok && decimals_ok) {
        return None;
    }
    word.replace(',', "").parse().ok()
}

/// A currency or unit word: `SAR`, `credits`, `ر.س`, `$`; letters, signs and dots only.
fn currency_word(word: &str) -> bool {
    word.chars().count() <= 12
        && word
            .chars()
            .any(|c| c.is_alphabetic() || CURRENCY_SIGNS.contains(&c))
        && word
            .chars()
            .all(|c| c.is_alphabetic() || c == '.' || CURRENCY_SIGNS.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Answer<'_> {
        Answer {
            status: 200,
            retry_after: None,
            content_type: Some("text/plain"),
            body,
            too_long: false,
        }
    }

    fn send(answer: Answer<'_>) -> Result<Accepted, SendError> {
        send_outcome(&answer, None)
    }

    fn not_accepted(result: Result<Accepted, SendError>) -> String {
        match result {
            Err(SendError::NotAccepted { reason }) => reason,
            other => panic!("expected NotAccepted, got {other:?}"),
        }
    }

    #[test]
    fn documented_errors_are_account_level_however_dressed() {
        for text in ACCOUNT_ERRORS {
            for dressed in [
                format!("  {text}\r\n"),
                format!("\u{feff}{text}"),
                format!("{text}<br>"),
                format!("<html><body><p>{text}</p></body></html>"),
                format!("\u{feff} {}\n", text.to_uppercase()),
                text.replace(' ', "  \n"),
            ] {
                let expected = Err(SendError::Account {
                    text: text.to_owned(),
                });
                assert_eq!(send(ok(&dressed)), expected, "{dressed:?}");
                assert_eq!(
                    balance_outcome(&ok(&dressed)).map(|_| ()),
                    expected.map(|_| ())
                );
            }
        }
    }

    #[test]
    fn a_plain_answer_is_accepted_and_kept_as_the_reference() {
        assert_eq!(
            send(ok(" OK: 12345\n")),
            Ok(Accepted {
                reference: "OK: 12345".into()
            })
        );
        let long = "x".repeat(2000);
        let Ok(a) = send(ok(&long)) else { panic!() };
        assert_eq!(a.reference.chars().count(), MAX_REFERENCE_CHARS + 1);
    }

    #[test]
    fn a_php_error_page_is_not_an_acceptance_and_is_quoted_without_its_tags() {
        let page = "<br />\n<b>Warning</b>:  mysqli_connect(): (HY000/2002): Connection refused in <b>/var/www/ap/static/api/sms_send_bulk.php</b> on line <b>12</b><br />";
        let reason = not_accepted(send(ok(page)));
        assert_eq!(
            reason,
            "not an acceptance (a PHP or ASP error message); the message may have been sent: \"Warning: mysqli_connect(): (HY000/2002): Connection refused in /var/www/ap/static/api/sms_send_bulk.php on line 12\""
        );
        for page in [
            "Fatal error: Uncaught mysqli_sql_exception",
            "PHP Parse error: syntax error",
            "Notice: Undefined index: msg",
            "Server Error in '/' Application.",
        ] {
            assert!(
                not_accepted(send(ok(page))).contains("error message"),
                "{page}"
            );
        }
    }

    #[test]
    fn empty_markup_and_long_answers_are_not_acceptances() {
        assert!(not_accepted(send(ok(" \r\n"))).contains("(an empty answer)"));
        assert!(not_accepted(send(ok("\u{feff}"))).contains("empty"));
        let reason = not_accepted(send(ok("  <?xml version=\"1.0\"?><r>1</r>")));
        assert!(reason.contains("(an HTML or XML page)"), "{reason}");
        assert!(reason.ends_with(": \"1\""), "{reason}");
        let mut html = ok("OK: 1");
        html.content_type = Some("text/html; charset=UTF-8");
        assert!(not_accepted(send(html)).contains("by its content type"));
        let mut long = ok("OK: 1");
        long.too_long = true;
        assert!(not_accepted(send(long)).contains("longer than 64 KiB"));
        // Quoted: the first 200 characters.
        let page = format!("<p>{}</p>", "é".repeat(1000));
        let reason = not_accepted(send(ok(&page)));
        assert!(reason.ends_with(&format!("\"{}…\"", "é".repeat(QUOTED_CHARS))));
    }

    #[test]
    fn success_pattern_must_match_and_recognises_an_answer_sent_as_html() {
        let digits = Regex::new(r"^\d+$").unwrap();
        assert!(send_outcome(&ok("12345"), Some(&digits)).is_ok());
        let reason = not_accepted(send_outcome(&ok("OK: 12345"), Some(&digits)));
        assert_eq!(
            reason,
            "not an acceptance (it does not match success_pattern); the message may have been sent: \"OK: 12345\""
        );
        let mut html = ok("12345");
        html.content_type = Some("text/html");
        assert!(send_outcome(&html, Some(&digits)).is_ok());
        // ... but never an error page.
        html.body = "<b>Warning</b>: 12345";
        assert!(send_outcome(&html, Some(&Regex::new("").unwrap())).is_err());
    }

    #[test]
    fn only_statuses_that_say_not_taken_are_retryable() {
        let answer = |status, body| Answer {
            status,
            retry_after: Some(Duration::from_secs(3)),
            body,
            ..ok("")
        };
        assert_eq!(
            send(answer(503, "busy")),
            Err(SendError::Retryable {
                reason: "gateway answered HTTP 503: busy".into(),
                retry_after: Some(Duration::from_secs(3)),
            })
        );
        assert!(matches!(
            send(answer(429, "")),
            Err(SendError::Retryable { .. })
        ));
        for status in [500, 502, 504] {
            let page = "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>";
            assert_eq!(
                send(answer(status, page)),
                Err(SendError::Uncertain {
                    reason: format!(
                        "gateway answered HTTP {status}; the message may have been sent: 504 Gateway Time-out 504 Gateway Time-out nginx"
                    )
                })
            );
        }
        for status in [400, 404, 302] {
            assert!(matches!(
                send(answer(status, "no")),
                Err(SendError::Refused { .. })
            ));
        }
    }

    #[test]
    fn tags_scripts_styles_and_comments_are_removed() {
        assert_eq!(
            without_tags(
                "<html><head><style>p { color: red }</style><script>var a = 1 < 2;</script></head><body><!-- x --><p>a&amp;b &lt;c&gt;</p>1 < 2</body></html>"
            ),
            "a&b <c> 1 < 2"
        );
        assert_eq!(without_tags("a<br>b"), "a b");
        assert_eq!(without_tags("<unclosed"), "");
        assert_eq!(without_tags("&unknown; &"), "&unknown; &");
    }

    #[test]
    fn balances_are_numbers_with_at_most_a_currency_word() {
        for (text, amount) in [
            ("1234.50", 1234.5),
            ("1,234.50", 1234.5),
            ("1,234,567 SAR", 1_234_567.0),
            ("USD 12", 12.0),
            ("-3", -3.0),
            ("$12.5", 12.5),
            ("12 ر.س", 12.0),
            ("500 credits", 500.0),
        ] {
            assert_eq!(parse_amount(text), Some(amount), "{text}");
        }
        for text in [
            "",
            "unknown",
            "<html>Fatal error: Uncaught mysqli_sql_exception on line 12</html>",
            "Fatal error 12",
            "12 34",
            "1,23",
            "12,3456",
            "1.",
            ".5",
            "12 SAR USD",
            "Balance: 12",
            "OK 12 credits",
        ] {
            assert_eq!(parse_amount(text), None, "{text}");
        }
    }

    #[test]
    fn an_answer_that_is_no_number_is_an_unreadable_balance() {
        assert_eq!(
            balance_outcome(&ok(" 1,234.50 SAR\n")),
            Ok(Balance::Known {
                text: "1,234.50 SAR".into(),
                amount: 1234.5
            })
        );
        let page = ok("<html>Fatal error: Uncaught mysqli_sql_exception</html>");
        let balance = balance_outcome(&page).unwrap();
        assert_eq!(balance.amount(), None);
        assert_eq!(
            balance.to_string(),
            "unreadable (the gateway answered: Fatal error: Uncaught mysqli_sql_exception)"
        );
        assert_eq!(
            balance_outcome(&ok("")).unwrap().to_string(),
            "unreadable (the gateway answered nothing)"
        );
        let mut long = ok("100");
        long.too_long = true;
        assert_eq!(balance_outcome(&long).unwrap().amount(), None);
        assert!(matches!(
            balance_outcome(&Answer {
                status: 502,
                ..ok("")
            }),
            Err(SendError::Uncertain { .. })
        ));
    }
}
