//! The account password, kept so that it cannot be printed by accident.
//!
//! `Secret` has no `Display`, and its `Debug` shows asterisks, so neither an error message, a
//! log line nor a `{:?}` of a settings struct can ever contain it. The one way to read it is
//! [`Secret::expose`], called only where the request is built.
//!
//! The gateway is another matter: a broken or chatty one may quote the request it got, query
//! string and all. A [`Redactor`] takes the password out of anything the gateway says, in
//! every form the request carried it or a server would echo it, before that text is stored
//! or printed anywhere.

use std::borrow::Cow;
use std::fmt;

/// A password.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password read from the environment, a config file or a password file.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The password itself, for the request's query string and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What a password is replaced by in a gateway's text.
pub const REDACTED: &str = "***";

/// Takes a password out of text: as typed, form-encoded as the query carried it (a space as
/// `+`), percent-encoded (a space as `%20`, hex digits in either case) and HTML-escaped.
#[derive(Clone)]
pub struct Redactor {
    /// Every form, longest first, so that no form is left half-replaced by a shorter one.
    forms: Vec<String>,
}

impl Redactor {
    /// The forms of `secret`; an empty password has none.
    pub fn new(secret: &Secret) -> Redactor {
        let plain = secret.expose();
        if plain.is_empty() {
            return Redactor { forms: Vec::new() };
        }
        let form: String = url::form_urlencoded::byte_serialize(plain.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        let mut forms = vec![plain.to_owned(), form.clone(), percent.clone()];
        forms.extend([form, percent].iter().map(|f| lower_hex(f)));
        let html = plain
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        forms.extend(["&#39;", "&#039;", "&apos;"].map(|q| html.replace('\'', q)));
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Redactor { forms }
    }

    /// `text` with every form of the password replaced by [`REDACTED`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
        text
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(***)")
    }
}

/// `%2B` as `%2b`: the hex digits of percent-escapes in lower case, as some servers write them.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut escape = 0;
    for c in encoded.chars() {
        if c == '%' {
            escape = 2;
            out.push(c);
        } else if escape > 0 {
            escape -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_password_is_taken_out() {
        let r = Redactor::new(&Secret::new("S3cr3t P@ss+&%'<"));
        for form in [
            "S3cr3t P@ss+&%'<",
            "S3cr3t+P%40ss%2B%26%25%27%3C",
            "S3cr3t%20P%40ss%2B%26%25%27%3C",
            "S3cr3t+P%40ss%2b%26%25%27%3c",
            "S3cr3t%20P%40ss%2b%26%25%27%3c",
            "S3cr3t P@ss+&amp;%&#39;&lt;",
            "S3cr3t P@ss+&amp;%&#039;&lt;",
        ] {
            assert_eq!(
                r.redact(&format!("uid=1&password={form}&x=1")),
                "uid=1&password=***&x=1",
                "{form}"
            );
        }
        assert_eq!(r.redact("OK: 12"), "OK: 12");
        assert!(matches!(r.redact("OK: 12"), Cow::Borrowed(_)));
        assert_eq!(format!("{r:?}"), "Redactor(***)");
        // An empty password takes nothing out.
        assert_eq!(Redactor::new(&Secret::new("")).redact("abc"), "abc");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
        assert_eq!(s.expose(), "hunter2");
    }
}
