//! Every text of the page, once per language: English and Arabic. A page picks one
//! [`Texts`] and takes every word from it, so a translation is one place to read and a text
//! missing in one language does not compile.
//!
//! Messages from the engine (a workbook's one-line error, a row's reason, the confirmation
//! question) are `send`'s own, in English, shown as they are: they are what the README and
//! support explain.

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, left to right.
    En,
    /// Arabic, right to left.
    Ar,
}

impl Lang {
    /// The language of a `lang` cookie or query value; English unless it says `ar`.
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some("ar") => Lang::Ar,
            _ => Lang::En,
        }
    }

    /// The BCP 47 code, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// The writing direction, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ar,
            Lang::Ar => Lang::En,
        }
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Ar => &AR,
        }
    }
}

/// The page's words in one language.
pub struct Texts {
    pub title: &'static str,
    pub language_name: &'static str,
    pub step_workbook: &'static str,
    pub drop_here: &'static str,
    pub choose_file: &'static str,
    pub or_pick: &'static str,
    pub no_workbooks: &'static str,
    pub sheet: &'static str,
    pub rows: &'static str,
    pub header: &'static str,
    pub step_who: &'static str,
    pub recipient_column: &'static str,
    pub sender: &'static str,
    pub sender_hint: &'static str,
    pub country_code: &'static str,
    pub step_message: &'static str,
    pub message_from_column: &'static str,
    pub message_from_templates: &'static str,
    pub message_typed: &'static str,
    pub placeholders: &'static str,
    pub counter_intro: &'static str,
    pub gsm_substitute: &'static str,
    pub check: &'static str,
    pub step_check: &'static str,
    pub totals: &'static str,
    pub messages: &'static str,
    pub segments: &'static str,
    pub all: &'static str,
    pub filter: &'static str,
    pub row: &'static str,
    pub recipient: &'static str,
    pub status: &'static str,
    pub reason: &'static str,
    pub message: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub download_dry_run: &'static str,
    pub step_send: &'static str,
    pub simulator: &'static str,
    pub real_account: &'static str,
    pub account_hint: &'static str,
    pub uid: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub quiet_hours: &'static str,
    pub not_before: &'static str,
    pub prepare_send: &'static str,
    pub connecting: &'static str,
    pub confirm_yes: &'static str,
    pub confirm_no: &'static str,
    pub stop: &'static str,
    pub stopping: &'static str,
    pub sent: &'static str,
    pub failed: &'static str,
    pub uncertain: &'static str,
    pub per_second: &'static str,
    pub time_left: &'static str,
    pub step_results: &'static str,
    pub download_results: &'static str,
    pub resume: &'static str,
    pub needs_attention: &'static str,
    pub none: &'static str,
    pub interrupted_note: &'static str,
    pub step_runs: &'static str,
    pub no_runs: &'static str,
    pub run_finished: &'static str,
    pub run_unfinished: &'static str,
    pub workbook: &'static str,
    pub when: &'static str,
    pub open: &'static str,
    pub start_over: &'static str,
    pub forbidden: &'static str,
}

/// English.
pub static EN: Texts = Texts {
    title: "smsmerge",
    language_name: "English",
    step_workbook: "1. Workbook",
    drop_here: "Drop a workbook here (xlsx, xlsm, xls, xlsb, ods, csv)",
    choose_file: "Choose a file",
    or_pick: "or pick one of the workbooks in the folder:",
    no_workbooks: "No workbooks in the folder.",
    sheet: "Sheet",
    rows: "rows",
    header: "Header",
    step_who: "2. Who and from whom",
    recipient_column: "Recipient column",
    sender: "Sender",
    sender_hint: "empty: from the config, or the sender column",
    country_code: "Default country code",
    step_message: "3. Message",
    message_from_column: "Each row's own message, in the column",
    message_from_templates: "The Templates sheet",
    message_typed: "One message for every row",
    placeholders: "Insert a column:",
    counter_intro: "The first rows, as they would be sent:",
    gsm_substitute: "Replace look-alike characters (--gsm-substitute)",
    check: "Check",
    step_check: "4. Check",
    totals: "Totals",
    messages: "messages",
    segments: "segments",
    all: "All",
    filter: "Show",
    row: "Row",
    recipient: "Recipient",
    status: "Status",
    reason: "Reason",
    message: "Message",
    previous: "Previous",
    next: "Next",
    page: "Page",
    download_dry_run: "Download the check's results workbook",
    step_send: "5. Send",
    simulator: "Simulator (nothing leaves this machine)",
    real_account: "Real account",
    account_hint: "From the config file or the environment, or typed here (kept in memory only):",
    uid: "UID",
    username: "User name",
    password: "Password",
    quiet_hours: "Quiet hours (HH:MM-HH:MM)",
    not_before: "Not before (HH:MM)",
    prepare_send: "Send…",
    connecting: "Checking the account and the balance…",
    confirm_yes: "Yes, send",
    confirm_no: "No",
    stop: "Stop",
    stopping: "Stopping: no new message starts; the ones already on their way get their answer.",
    sent: "sent",
    failed: "failed",
    uncertain: "uncertain",
    per_second: "per second",
    time_left: "time left",
    step_results: "6. Results",
    download_results: "Download the results workbook",
    resume: "Resume (send the rest)",
    needs_attention: "Rows that need attention",
    none: "None.",
    interrupted_note: "The run was interrupted: the rest was NOT SENT. Resume sends them, and nothing twice.",
    step_runs: "7. Runs",
    no_runs: "No earlier runs in the folder.",
    run_finished: "finished",
    run_unfinished: "unfinished",
    workbook: "Workbook",
    when: "When",
    open: "Open",
    start_over: "Start again",
    forbidden: "Open the page with the address smsmerge ui printed.",
};

/// Arabic.
pub static AR: Texts = Texts {
    title: "smsmerge",
    language_name: "العربية",
    step_workbook: "١. المصنف",
    drop_here: "أفلت مصنفًا هنا (xlsx أو xlsm أو xls أو xlsb أو ods أو csv)",
    choose_file: "اختر ملفًا",
    or_pick: "أو اختر أحد المصنفات في المجلد:",
    no_workbooks: "لا توجد مصنفات في المجلد.",
    sheet: "الورقة",
    rows: "صفوف",
    header: "العناوين",
    step_who: "٢. إلى من ومن مَن",
    recipient_column: "عمود المستلم",
    sender: "المرسل",
    sender_hint: "فارغ: من ملف الإعدادات أو من عمود المرسل",
    country_code: "رمز البلد الافتراضي",
    step_message: "٣. الرسالة",
    message_from_column: "رسالة كل صف في العمود",
    message_from_templates: "ورقة القوالب",
    message_typed: "رسالة واحدة لكل الصفوف",
    placeholders: "أدرج عمودًا:",
    counter_intro: "الصفوف الأولى كما سترسل:",
    gsm_substitute: "استبدل الأحرف المتشابهة (--gsm-substitute)",
    check: "تحقق",
    step_check: "٤. التحقق",
    totals: "المجاميع",
    messages: "رسائل",
    segments: "أجزاء",
    all: "الكل",
    filter: "اعرض",
    row: "الصف",
    recipient: "المستلم",
    status: "الحالة",
    reason: "السبب",
    message: "الرسالة",
    previous: "السابق",
    next: "التالي",
    page: "الصفحة",
    download_dry_run: "نزّل مصنف نتائج التحقق",
    step_send: "٥. الإرسال",
    simulator: "المحاكي (لا يغادر شيء هذا الجهاز)",
    real_account: "حساب حقيقي",
    account_hint: "من ملف الإعدادات أو البيئة، أو اكتبه هنا (يبقى في الذاكرة فقط):",
    uid: "UID",
    username: "اسم المستخدم",
    password: "كلمة المرور",
    quiet_hours: "ساعات الهدوء (HH:MM-HH:MM)",
    not_before: "ليس قبل (HH:MM)",
    prepare_send: "إرسال…",
    connecting: "جارٍ التحقق من الحساب والرصيد…",
    confirm_yes: "نعم، أرسل",
    confirm_no: "لا",
    stop: "إيقاف",
    stopping: "جارٍ الإيقاف: لن تبدأ أي رسالة جديدة، والرسائل التي في الطريق تنتظر ردها.",
    sent: "أُرسلت",
    failed: "فشلت",
    uncertain: "غير مؤكدة",
    per_second: "في الثانية",
    time_left: "الوقت المتبقي",
    step_results: "٦. النتائج",
    download_results: "نزّل مصنف النتائج",
    resume: "استأنف (أرسل الباقي)",
    needs_attention: "صفوف تحتاج إلى انتباه",
    none: "لا شيء.",
    interrupted_note: "توقف الإرسال: الباقي لم يُرسل. الاستئناف يرسله دون تكرار أي رسالة.",
    step_runs: "٧. الجولات",
    no_runs: "لا جولات سابقة في المجلد.",
    run_finished: "انتهت",
    run_unfinished: "لم تنته",
    workbook: "المصنف",
    when: "متى",
    open: "فتح",
    start_over: "ابدأ من جديد",
    forbidden: "افتح الصفحة بالعنوان الذي طبعه smsmerge ui.",
};
