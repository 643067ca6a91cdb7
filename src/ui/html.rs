//! HTML built in Rust, escaped by construction: text goes in through [`Html::text`] (or
//! [`esc`]), and only the page's own fixed markup goes in raw. A cell holding `<script>`
//! shows as those characters, never as markup.
//!
//! Every element that shows workbook text gets `dir="auto"`, so an Arabic cell reads right
//! to left in an English page and a phone number left to right in an Arabic one.

use super::texts::{Lang, Texts};
use std::fmt::Write;

/// Escapes text for an HTML element or a quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A status as a CSS class and an id part: its word with `-` for the space (`NOT-SENT`), so
/// that NOT SENT takes its own colour and not SENT's, and an id stays one word.
pub fn status_class(status: crate::plan::outcome::Status) -> String {
    status.as_str().replace(' ', "-")
}

/// A page being written.
#[derive(Default)]
pub struct Html(String);

impl Html {
    /// An empty fragment.
    pub fn new() -> Html {
        Html::default()
    }

    /// The page's own markup, never text from a workbook or a user.
    pub fn raw(&mut self, markup: &str) -> &mut Html {
        self.0.push_str(markup);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Html {
        self.0.push_str(&esc(text));
        self
    }

    /// `<tag attrs>text</tag>`, the text escaped (attrs are the page's own).
    pub fn el(&mut self, tag: &str, attrs: &str, text: &str) -> &mut Html {
        let _ = write!(
            self.0,
            "<{tag}{}{attrs}>",
            if attrs.is_empty() { "" } else { " " }
        );
        self.text(text);
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// A workbook's text in its own direction.
    pub fn cell(&mut self, tag: &str, text: &str) -> &mut Html {
        self.el(tag, "dir=\"auto\"", text)
    }

    /// A row's status as a table cell, in the status's colour.
    pub fn status_cell(&mut self, status: crate::plan::outcome::Status) -> &mut Html {
        let class = format!("class=\"status {}\"", status_class(status));
        self.el("td", &class, status.as_str())
    }

    /// The markup so far.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// What the whole page around a step needs to know.
pub struct Frame<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The session's CSRF token, put in every form's action and read by the script.
    pub csrf: &'a str,
    /// The path of this page, for the language switch.
    pub here: &'a str,
}

impl Frame<'_> {
    /// The words of this page's language.
    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// A form's action with the CSRF token (the page's own path, so escaping is enough).
    pub fn action(&self, path: &str) -> String {
        let join = if path.contains('?') { '&' } else { '?' };
        esc(&format!("{path}{join}csrf={}", self.csrf))
    }

    /// The whole document around `body`.
    pub fn page(&self, body: Html) -> String {
        let t = self.t();
        let other = self.lang.other();
        let join = if self.here.contains('?') { '&' } else { '?' };
        let switch = format!("{}{join}lang={}", self.here, other.code());
        let mut page = Html::new();
        page.raw(&format!(
            "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"csrf\" content=\"{}\"><title>",
            self.lang.code(),
            self.lang.dir(),
            esc(self.csrf)
        ))
        .text(t.title)
        .raw("</title><link rel=\"stylesheet\" href=\"/assets/app.css\">")
        .raw("<script src=\"/assets/app.js\" defer></script></head><body><header><a href=\"/\" class=\"brand\">smsmerge</a><nav>")
        .raw("<a href=\"/runs\">")
        .text(t.step_runs)
        .raw("</a> <a id=\"lang\" href=\"")
        .text(&switch)
        .raw("\">")
        .text(other.texts().language_name)
        .raw("</a></nav></header><main>")
        .raw(&body.into_string())
        .raw("</main></body></html>");
        page.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_shown_as_text() {
        let mut html = Html::new();
        html.cell("td", "<script>alert(1)</script><img src=x onerror=\"y\">");
        let out = html.into_string();
        assert!(!out.contains("<script>"));
        assert!(!out.contains("<img"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(out.contains("&quot;y&quot;"));
    }

    #[test]
    fn the_arabic_page_is_right_to_left() {
        let frame = Frame {
            lang: Lang::Ar,
            csrf: "c",
            here: "/",
        };
        let page = frame.page(Html::new());
        assert!(page.contains("lang=\"ar\" dir=\"rtl\""));
        assert!(page.contains("?lang=en"));
    }
}
