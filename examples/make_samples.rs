//! Writes the workbooks in `samples/`: `cargo run --example make_samples`.
//!
//! The samples are committed; this program is how they were made, so they can be remade or
//! changed without hand-editing binary files. Its output is the same bytes every time (the
//! workbooks' creation time is fixed), so remaking the samples changes no tracked file unless
//! what they hold changed. `tests/readme.rs` checks that.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook, XlsxError};

fn main() -> Result<(), XlsxError> {
    recipients()?;
    global_template()?;
    std::fs::write(
        "samples/reminder.txt",
        "Dear {{Name}}, your appointment is on {{Date}} at {{Branch|our main branch}}. Reply STOP to opt out.\n",
    )
    .map_err(XlsxError::IoError)?;
    Ok(())
}

/// A workbook whose document properties carry a fixed creation time, instead of the moment
/// it was written (the one part of an xlsx that changed from run to run).
fn workbook() -> Result<Workbook, XlsxError> {
    let created = ExcelDateTime::parse_from_str("2026-11-25T17:24:32Z")?;
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    Ok(book)
}

/// A realistic customer list: English and Arabic rows, numbers typed every way, per-row
/// templates, and a few deliberately bad rows.
fn recipients() -> Result<(), XlsxError> {
    let mut book = workbook()?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    let sheet = book.add_worksheet().set_name("Customers")?;
    let headers = ["Phone", "Name", "Amount", "Due", "Message", "Sender"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let en = "Dear {{Name}}, your invoice of {{Amount}} USD is due on {{Due}}.";
    let ar = "عزيزي {{Name}}، فاتورتك بقيمة {{Amount}} دولار مستحقة في {{Due}}.";
    type Row<'a> = (Phone<'a>, &'a str, f64, (u16, u8, u8), &'a str, &'a str);
    let rows: [Row; 12] = [
        (
            Phone::Number(9613123456.0),
            "Rana Haddad",
            120.5,
            (2026, 12, 5),
            en,
            "",
        ),
        (
            Phone::Text("+961 70 123 456"),
            "Karim Saleh",
            89.0,
            (2026, 12, 7),
            en,
            "",
        ),
        (
            Phone::Text("03-456 789"),
            "Maya Khoury",
            45.25,
            (2026, 12, 10),
            en,
            "",
        ),
        (
            Phone::Text("00971 50 123 4567"),
            "أحمد المنصور",
            300.0,
            (2026, 12, 3),
            ar,
            "",
        ),
        (
            Phone::Text("٠٣١٢٣٤٥٦"),
            "فاطمة الزهراء",
            75.0,
            (2026, 12, 12),
            ar,
            "",
        ),
        (
            Phone::Text("+961 3 987654"),
            "",
            60.0,
            (2026, 12, 15),
            en,
            "",
        ),
        (
            Phone::Text("12345"),
            "Omar Fares",
            10.0,
            (2026, 12, 20),
            en,
            "",
        ),
        (
            Phone::Text("+961 70 123 456"),
            "Karim Saleh",
            89.0,
            (2026, 12, 7),
            en,
            "",
        ),
        (
            Phone::Text("+961 71 222 333"),
            "Lina Aoun",
            250.0,
            (2026, 12, 1),
            "Hi {{Name}}, thanks for your payment of {{Amount}} USD. 😀",
            "INFO",
        ),
        (
            Phone::Text("+961 76 444 555"),
            "Sami Nassar",
            15.0,
            (2026, 12, 2),
            "{{Name}}, your code is {{Cod}}",
            "",
        ),
        (
            Phone::Text("+961 3 111 222"),
            "Nour Itani",
            42.0,
            (2026, 12, 9),
            en,
            "",
        ),
        (
            Phone::Text("+966 55 123 4567"),
            "Youssef Qassem",
            0.0,
            (2026, 12, 11),
            ar,
            "",
        ),
    ];
    for (i, (phone, name, amount, (y, m, d), message, sender)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        match phone {
            Phone::Number(n) => sheet.write_number(r, 0, *n)?,
            Phone::Text(t) => sheet.write_string(r, 0, *t)?,
        };
        if !name.is_empty() {
            sheet.write_string(r, 1, *name)?;
        }
        sheet.write_number_with_format(r, 2, *amount, &money)?;
        sheet.write_datetime_with_format(r, 3, ExcelDateTime::from_ymd(*y, *m, *d)?, &date)?;
        sheet.write_string(r, 4, *message)?;
        if !sender.is_empty() {
            sheet.write_string(r, 5, *sender)?;
        }
    }
    sheet.write_formula(13, 1, Formula::new("=\"Total\"").set_result("Total"))?;
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 18)?;
    sheet.set_column_width(3, 12)?;
    sheet.set_column_width(4, 60)?;
    book.save("samples/customers.xlsx")
}

enum Phone<'a> {
    Number(f64),
    Text(&'a str),
}

/// A plain list for one global template (`--template-file samples/reminder.txt`).
fn global_template() -> Result<(), XlsxError> {
    let mut book = workbook()?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet().set_name("Appointments")?;
    for (c, h) in ["Mobile", "Name", "Date", "Branch"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let rows = [
        ("03 123 456", "Hala", (2026, 12, 4), "Hamra"),
        ("+961 70 987 654", "Bassem", (2026, 12, 4), ""),
        ("+961 81 555 666", "Ziad", (2026, 12, 5), "Jounieh"),
        ("+961 3 777 888", "رامي", (2026, 12, 6), "الأشرفية"),
    ];
    for (i, (phone, name, (y, m, d), branch)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *phone)?;
        sheet.write_string(r, 1, *name)?;
        sheet.write_datetime_with_format(r, 2, ExcelDateTime::from_ymd(*y, *m, *d)?, &date)?;
        if !branch.is_empty() {
            sheet.write_string(r, 3, *branch)?;
        }
    }
    book.save("samples/appointments.xlsx")
}
