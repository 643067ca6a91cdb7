//! The cell formats of the results workbook: a header that reads as one without the table
//! style, a colour per status, wrapped text, dates and durations.

use crate::plan::outcome::{Status, Tone};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};

/// The formats of the Results sheet, made once.
///
/// Everything a reader must see is a cell format, not only the Excel table's style: other
/// spreadsheet programs (LibreOffice, Numbers, Google Sheets) ignore table styles.
pub(super) struct Styles {
    pub(super) header: Format,
    /// Any other Results cell.
    pub(super) plain: Format,
    /// Long texts (messages, details) wrap inside their column, every line shown.
    pub(super) wrap: Format,
    /// A boolean shows TRUE/FALSE everywhere (LibreOffice shows an unformatted one as 1/0).
    pub(super) boolean: Format,
    /// Sent At, to the second.
    pub(super) moment: Format,
    /// Seconds in the Summary, to the millisecond.
    pub(super) seconds: Format,
    /// A rate in the Summary, to one decimal.
    pub(super) rate: Format,
    /// A Summary number, set left so it sits beside its label.
    pub(super) summary_number: Format,
    pub(super) date: Format,
    pub(super) date_time: Format,
    pub(super) time: Format,
    pub(super) time_seconds: Format,
    pub(super) duration: Format,
    pub(super) long_number: Format,
    pub(super) good: Format,
    pub(super) bad: Format,
    pub(super) warning: Format,
    pub(super) neutral: Format,
}

/// The fill and the text colour of a tone, as in Excel's "light red fill with dark red text"
/// presets; the Summary chart's bars take the text colour.
pub(super) fn tone_colors(tone: Tone) -> (u32, u32) {
    match tone {
        Tone::Good => (0xC6EFCE, 0x006100),
        Tone::Bad => (0xFFC7CE, 0x9C0006),
        Tone::Warning => (0xFFEB9C, 0x9C5700),
        Tone::Neutral => (0xE7E6E6, 0x404040),
    }
}

impl Styles {
    pub(super) fn new() -> Styles {
        // Every Results cell sits at the top of its row, beside the first line of a wrapped
        // message rather than below its last.
        let cell = || Format::new().set_align(FormatAlign::Top);
        let status = |tone| {
            let (fill, font) = tone_colors(tone);
            cell()
                .set_background_color(Color::RGB(fill))
                .set_font_color(Color::RGB(font))
                .set_bold()
                .set_align(FormatAlign::Center)
        };
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            wrap: cell().set_text_wrap(),
            boolean: cell().set_num_format("\"TRUE\";\"TRUE\";\"FALSE\""),
            moment: cell().set_num_format("yyyy-mm-dd hh:mm:ss"),
            seconds: Format::new()
                .set_num_format("0.000")
                .set_align(FormatAlign::Left),
            rate: Format::new()
                .set_num_format("0.0")
                .set_align(FormatAlign::Left),
            summary_number: Format::new().set_align(FormatAlign::Left),
            plain: cell(),
            date: cell().set_num_format("yyyy-mm-dd"),
            date_time: cell().set_num_format("yyyy-mm-dd hh:mm"),
            time: cell().set_num_format("hh:mm"),
            time_seconds: cell().set_num_format("hh:mm:ss"),
            duration: cell().set_num_format("[h]:mm"),
            // Phone numbers stored as numbers would otherwise show as 9.61712E+10.
            long_number: cell().set_num_format("0"),
            good: status(Tone::Good),
            bad: status(Tone::Bad),
            warning: status(Tone::Warning),
            neutral: status(Tone::Neutral),
        }
    }

    /// A text cell's format: wrapped in the columns that wrap.
    pub(super) fn text(&self, wrap: bool) -> &Format {
        if wrap { &self.wrap } else { &self.plain }
    }

    pub(super) fn status(&self, status: Status) -> &Format {
        match status.tone() {
            Tone::Good => &self.good,
            Tone::Bad => &self.bad,
            Tone::Warning => &self.warning,
            Tone::Neutral => &self.neutral,
        }
    }
}
