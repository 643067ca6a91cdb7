//! When a send may start requests: `--quiet-hours` (a daily window with no sending, which may
//! wrap midnight) and `--not-before` (a moment before which nothing is sent), read in
//! `--timezone`. Pure: every function takes "now" as an argument, so the rules are tested at
//! any instant, DST days included. Dispatch asks [`Schedule::at`] before each request, through
//! a [`crate::dispatch::clock::Clock`] that tests replace.
//!
//! A night's quiet period runs from the first moment the clocks show its start to the last
//! moment they show its end. When the clocks skip a time (spring forward), the period starts or
//! ends at the jump; when they show a time twice (fall back), it starts at the first showing
//! and ends at the second. So DST only ever makes a quiet period longer, never lets a message
//! out at a time the window names.

use chrono::{
    DateTime, Days, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use std::fmt;

/// A time zone the schedule is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// An IANA zone (`Asia/Beirut`, `UTC`), from the built-in tz database.
    Named(Tz),
    /// The machine's local time, when its zone has no IANA name smsmerge can find (a POSIX
    /// `TZ` string such as `EST5EDT4,M3.2.0,M11.1.0`, say).
    Local,
}

impl Zone {
    /// An IANA name, matched without regard to case (`utc`, `asia/beirut`).
    pub fn parse(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        if let Ok(tz) = name.parse::<Tz>() {
            return Ok(Zone::Named(tz));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .map(|tz| Zone::Named(*tz))
            .ok_or_else(|| {
                format!(
                    "{name:?} is not an IANA time zone name; give one such as Asia/Beirut, Europe/Berlin or UTC"
                )
            })
    }

    /// The machine's zone: `TZ` when it names an IANA zone, else the system's zone by name,
    /// else plain local time.
    pub fn local() -> Zone {
        let system = iana_time_zone::get_timezone().ok();
        Zone::local_from(std::env::var("TZ").ok().as_deref(), system.as_deref())
    }

    /// [`Zone::local`] given the value of `TZ` and the system zone's name. A `TZ` that is set
    /// decides (the C library and chrono follow it), in the forms `Asia/Beirut`,
    /// `:Asia/Beirut` and `/usr/share/zoneinfo/Asia/Beirut`.
    fn local_from(tz_variable: Option<&str>, system: Option<&str>) -> Zone {
        let by_name = |name: &str| name.parse::<Tz>().ok().map(Zone::Named);
        match tz_variable {
            Some(value) => {
                let value = value.strip_prefix(':').unwrap_or(value);
                let name = value
                    .rsplit_once("zoneinfo/")
                    .map_or(value, |(_, name)| name);
                by_name(name).unwrap_or(Zone::Local)
            }
            None => system.and_then(by_name).unwrap_or(Zone::Local),
        }
    }

    /// The offset from UTC at an instant.
    fn offset(self, t: DateTime<Utc>) -> FixedOffset {
        let utc = t.naive_utc();
        match self {
            Zone::Named(tz) => tz.offset_from_utc_datetime(&utc).fix(),
            Zone::Local => Local.offset_from_utc_datetime(&utc).fix(),
        }
    }

    /// What the clocks on the wall show at an instant.
    pub fn wall(self, t: DateTime<Utc>) -> NaiveDateTime {
        t.naive_utc() + self.offset(t)
    }

    /// The instants at which the clocks show `wall`: none in a gap, two in a fold.
    fn instants(self, wall: NaiveDateTime) -> LocalResult<DateTime<Utc>> {
        match self {
            Zone::Named(tz) => tz.from_local_datetime(&wall).map(|t| t.to_utc()),
            Zone::Local => Local.from_local_datetime(&wall).map(|t| t.to_utc()),
        }
    }

    /// The first instant the clocks show `wall`, or the jump over it when they skip it.
    fn first_showing(self, wall: NaiveDateTime) -> DateTime<Utc> {
        match self.instants(wall) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(a, b) => a.min(b),
            LocalResult::None => self.jump_over(wall),
        }
    }

    /// The last instant the clocks show `wall`, or the jump over it when they skip it.
    fn last_showing(self, wall: NaiveDateTime) -> DateTime<Utc> {
        match self.instants(wall) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(a, b) => a.max(b),
            LocalResult::None => self.jump_over(wall),
        }
    }

    /// The first instant whose wall time is at or after `wall`, which the clocks skip: the
    /// moment they jump. With the offsets before (`o1`) and after (`o2`) the jump, it lies in
    /// `(wall - o2, wall - o1]`; found by bisection to the second (the tz database moves
    /// clocks on whole seconds).
    fn jump_over(self, wall: NaiveDateTime) -> DateTime<Utc> {
        let as_utc = wall.and_utc();
        let before = self.offset(as_utc - TimeDelta::days(1));
        let after = self.offset(as_utc + TimeDelta::days(1));
        let mut lo = (wall - after).and_utc().timestamp();
        let mut hi = (wall - before).and_utc().timestamp();
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap_or(as_utc);
        if lo >= hi || self.wall(at(hi)) < wall {
            // Not the one jump this expects (none in a real zone): the earlier offset's reading.
            return at(hi);
        }
        // Invariant: the clocks show less than `wall` at `lo`, at least `wall` at `hi`.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.wall(at(mid)) >= wall {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        at(hi)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Local => f.write_str("local time"),
        }
    }
}

/// A daily window in which nothing is sent: `21:00-08:00` (wraps midnight), `12:00-14:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: NaiveTime,
    /// 00:00 for a window that ends at midnight (`22:00-24:00`).
    end: NaiveTime,
}

impl std::str::FromStr for QuietHours {
    type Err = String;

    /// `HH:MM-HH:MM` (seconds allowed, `HH:MM:SS`; `24:00` as the end). A window that starts
    /// and ends at the same time is refused: it could mean all day or never.
    fn from_str(text: &str) -> Result<QuietHours, String> {
        const FORM: &str = "give the window as HH:MM-HH:MM, e.g. 21:00-08:00";
        let (start, end) = text.split_once('-').ok_or_else(|| FORM.to_owned())?;
        let (start, end) = (start.trim(), end.trim());
        if start.is_empty() || end.is_empty() {
            return Err(FORM.to_owned());
        }
        let start = parse_time(start, false).map_err(|e| format!("{e}; {FORM}"))?;
        let end = parse_time(end, true).map_err(|e| format!("{e}; {FORM}"))?;
        if start == end && text.trim().ends_with("24:00") {
            return Err("the window is the whole day: nothing would ever be sent".to_owned());
        }
        if start == end {
            return Err(format!(
                "the window is empty: it starts and ends at {}",
                clock(start)
            ));
        }
        Ok(QuietHours { start, end })
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.end == NaiveTime::MIN {
            "24:00".to_owned()
        } else {
            clock(self.end)
        };
        write!(f, "{}-{end}", clock(self.start))
    }
}

impl QuietHours {
    /// Whether the window runs over midnight into the next day.
    fn wraps(&self) -> bool {
        self.end <= self.start
    }

    /// The quiet period that starts on the local date `day`, as instants `[start, end)`;
    /// empty when the clocks skip all of it.
    fn period(&self, zone: Zone, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let end_day = if self.wraps() {
            day.checked_add_days(Days::new(1))?
        } else {
            day
        };
        let start = zone.first_showing(day.and_time(self.start));
        let end = zone.last_showing(end_day.and_time(self.end));
        Some((start, end))
    }

    /// The periods of the days around `t`: enough to cover any instant within a day of it.
    fn periods_around(
        &self,
        zone: Zone,
        t: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> {
        let today = zone.wall(t).date();
        (-2i64..=3).filter_map(move |d| {
            let day = if d < 0 {
                today.checked_sub_days(Days::new(d.unsigned_abs()))
            } else {
                today.checked_add_days(Days::new(d as u64))
            }?;
            self.period(zone, day)
        })
    }

    /// When the quiet time that holds `t` ends (running on through a period that overlaps
    /// it, which only a DST day can make); `None` when `t` is not quiet.
    pub fn end_after(&self, zone: Zone, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut end = None;
        let mut at = t;
        // Each step moves on to a later period; a few are the most DST can chain.
        for _ in 0..4 {
            match self
                .periods_around(zone, at)
                .find(|(start, end)| *start <= at && at < *end)
            {
                Some((_, period_end)) => {
                    end = Some(period_end);
                    at = period_end;
                }
                None => break,
            }
        }
        end
    }

    /// The next moment after `t` that quiet time starts.
    pub fn next_start(&self, zone: Zone, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.periods_around(zone, t)
            .filter(|(start, end)| start < end && *start > t)
            .map(|(start, _)| start)
            .min()
    }
}

/// `--not-before`, as given: a time today, or a date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotBefore {
    /// `HH:MM`: today, in the schedule's zone.
    Today(NaiveTime),
    /// `YYYY-MM-DD HH:MM`.
    At(NaiveDateTime),
}

impl std::str::FromStr for NotBefore {
    type Err = String;

    /// `HH:MM` or `YYYY-MM-DD HH:MM` (or with a `T`; seconds allowed).
    fn from_str(text: &str) -> Result<NotBefore, String> {
        const FORM: &str = "give a time today as HH:MM, or a date and time as YYYY-MM-DD HH:MM";
        let text = text.trim();
        match text.split_once([' ', 'T']) {
            None => parse_time(text, false)
                .map(NotBefore::Today)
                .map_err(|e| format!("{e}; {FORM}")),
            Some((date, time)) => {
                let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .map_err(|_| format!("{date:?} is not a date (YYYY-MM-DD); {FORM}"))?;
                let time = parse_time(time.trim(), false).map_err(|e| format!("{e}; {FORM}"))?;
                Ok(NotBefore::At(date.and_time(time)))
            }
        }
    }
}

impl NotBefore {
    /// The instant it names: the first moment the clocks show it (or jump over it).
    fn resolve(self, zone: Zone, now: DateTime<Utc>) -> DateTime<Utc> {
        let wall = match self {
            NotBefore::Today(time) => zone.wall(now).date().and_time(time),
            NotBefore::At(wall) => wall,
        };
        zone.first_showing(wall)
    }
}

/// `HH:MM` or `HH:MM:SS`, hours 0-23 in one or two digits; `24:00` only when `end`.
fn parse_time(text: &str, end: bool) -> Result<NaiveTime, String> {
    let bad = || format!("{text:?} is not a time of day");
    let mut parts = text.split(':');
    let hour = parts.next().ok_or_else(bad)?;
    let minute = parts.next().ok_or_else(bad)?;
    let second = parts.next();
    if parts.next().is_some()
        || !(1..=2).contains(&hour.len())
        || minute.len() != 2
        || second.is_some_and(|s| s.len() != 2)
    {
        return Err(bad());
    }
    let number = |s: &str| -> Result<u32, String> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (hour, minute, second) = (
        number(hour)?,
        number(minute)?,
        second.map_or(Ok(0), number)?,
    );
    if end && hour == 24 && minute == 0 && second == 0 {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(bad)
}

/// A time of day as people write it: `08:00`, or `08:00:30` when it has seconds.
fn clock(time: NaiveTime) -> String {
    if time.second() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

/// When requests may start: quiet hours, a start time, and the zone both are read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    quiet: Option<QuietHours>,
    not_before: Option<DateTime<Utc>>,
    zone: Zone,
}

/// Whether requests may start at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// They may, until the given instant (`None`: from now on).
    Open(Option<DateTime<Utc>>),
    /// They may not yet.
    Closed(Hold),
}

impl Window {
    /// Why requests may not start, when they may not.
    pub fn hold(self) -> Option<Hold> {
        match self {
            Window::Open(_) => None,
            Window::Closed(hold) => Some(hold),
        }
    }
}

/// Why requests may not start now, and when they may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// The first instant they may.
    pub until: DateTime<Utc>,
    /// `--not-before` is still ahead.
    pub not_before: bool,
    /// It is quiet hours (at `--not-before`, when that is ahead).
    pub quiet: bool,
}

impl Schedule {
    /// The schedule of these settings, `--not-before` resolved against `now` (a bare time is
    /// today's); `None` when there is nothing to wait for, ever.
    pub fn new(
        quiet: Option<QuietHours>,
        not_before: Option<NotBefore>,
        zone: Zone,
        now: DateTime<Utc>,
    ) -> Option<Schedule> {
        if quiet.is_none() && not_before.is_none() {
            return None;
        }
        Some(Schedule {
            quiet,
            not_before: not_before.map(|n| n.resolve(zone, now)),
            zone,
        })
    }

    /// The zone the schedule is read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// Whether requests may start at `now`, and until when; or why not, and until when.
    pub fn at(&self, now: DateTime<Utc>) -> Window {
        let mut until = now;
        let not_before = self.not_before.is_some_and(|t| t > now);
        if not_before {
            until = self.not_before.unwrap_or(now);
        }
        let quiet_end = self.quiet.and_then(|q| q.end_after(self.zone, until));
        if let Some(end) = quiet_end {
            until = end;
        }
        if until > now {
            return Window::Closed(Hold {
                until,
                not_before,
                quiet: quiet_end.is_some(),
            });
        }
        Window::Open(self.quiet.and_then(|q| q.next_start(self.zone, now)))
    }

    /// Why and until when requests wait, for a person: "quiet hours 21:00-08:00
    /// (Asia/Beirut): waiting until 08:00 (in 3h12m)".
    pub fn describe(&self, hold: &Hold, now: DateTime<Utc>) -> String {
        format!(
            "{}: waiting until {}",
            self.reason(hold, now),
            self.until(hold, now)
        )
    }

    /// Why requests wait: "quiet hours 21:00-08:00 (Asia/Beirut)".
    pub fn reason(&self, hold: &Hold, now: DateTime<Utc>) -> String {
        let today = self.zone.wall(now).date();
        let mut reasons = Vec::new();
        if hold.not_before
            && let Some(t) = self.not_before
        {
            reasons.push(format!("not before {}", self.when(t, today)));
        }
        if hold.quiet
            && let Some(quiet) = self.quiet
        {
            reasons.push(format!("quiet hours {quiet}"));
        }
        format!("{} ({})", reasons.join(", then "), self.zone)
    }

    /// Until when requests wait: "08:00 (in 3h12m)".
    pub fn until(&self, hold: &Hold, now: DateTime<Utc>) -> String {
        let today = self.zone.wall(now).date();
        format!(
            "{} (in {})",
            self.when(hold.until, today),
            in_words(hold.until - now)
        )
    }

    /// An instant as the zone's clocks show it: `08:00` today, `08:00 tomorrow`, else with
    /// its date.
    fn when(&self, t: DateTime<Utc>, today: NaiveDate) -> String {
        let wall = self.zone.wall(t);
        let time = clock(wall.time());
        if wall.date() == today {
            time
        } else if today.succ_opt() == Some(wall.date()) {
            format!("{time} tomorrow")
        } else {
            format!("{} {time}", wall.date().format("%Y-%m-%d"))
        }
    }
}

/// A wait for a person: `42s`, `12m`, `3h12m`, `2d3h`; minutes rounded up, so that "now +
/// this" is never before the time named beside it.
pub fn in_words(wait: TimeDelta) -> String {
    let seconds = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
    if seconds < 60 {
        return format!("{}s", seconds.max(0));
    }
    let minutes = (seconds + 59) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) => format!("{hours}h{minutes}m"),
        _ => format!("{days}d{hours}h"),
    }
}

/// A length of time given in seconds, for a person: as [`in_words`] up to a year, then in
/// years; any number of seconds, however large (`--rate 1e-300`).
pub fn seconds_in_words(seconds: f64) -> String {
    const YEAR: f64 = 365.25 * 86_400.0;
    if seconds.is_nan() || seconds < YEAR {
        // Under a year: a whole number of seconds that a TimeDelta holds.
        return in_words(TimeDelta::seconds(seconds.max(0.0).ceil() as i64));
    }
    let years = seconds / YEAR;
    if years < 1000.0 {
        format!("{years:.1} years")
    } else {
        "more than a thousand years".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    fn quiet(text: &str) -> QuietHours {
        text.parse().unwrap()
    }

    fn schedule(window: &str, zone_name: &str) -> Schedule {
        Schedule::new(
            Some(quiet(window)),
            None,
            zone(zone_name),
            utc("2025-01-01 00:00:00"),
        )
        .unwrap()
    }

    /// The instant a schedule opens again after `now` (`None`: open now).
    fn reopens(s: &Schedule, now: &str) -> Option<DateTime<Utc>> {
        match s.at(utc(now)) {
            Window::Open(_) => None,
            Window::Closed(hold) => Some(hold.until),
        }
    }

    /// The instant an open schedule closes after `now`.
    fn closes(s: &Schedule, now: &str) -> Option<DateTime<Utc>> {
        match s.at(utc(now)) {
            Window::Open(until) => until,
            Window::Closed(hold) => panic!("closed at {now} until {}", hold.until),
        }
    }

    #[test]
    fn windows_parse_in_the_forms_people_write() {
        assert_eq!(quiet("21:00-08:00").to_string(), "21:00-08:00");
        assert_eq!(quiet("9:00-17:00").to_string(), "09:00-17:00");
        assert_eq!(quiet(" 21:00 - 08:00 ").to_string(), "21:00-08:00");
        assert_eq!(quiet("21:00:30-08:00").to_string(), "21:00:30-08:00");
        assert_eq!(quiet("22:00-24:00").to_string(), "22:00-24:00");
        assert_eq!(quiet("22:00-00:00"), quiet("22:00-24:00"));
        assert_eq!(quiet("00:00-06:00").to_string(), "00:00-06:00");
    }

    #[test]
    fn malformed_and_empty_windows_are_refused_with_the_form_to_use() {
        for bad in [
            "",
            "21:00",
            "21:00-",
            "-08:00",
            "2100-0800",
            "21-08",
            "25:00-08:00",
            "21:60-08:00",
            "21:00-08:00:61",
            "21:0-08:00",
            "123:00-08:00",
            "21:00-08:00-09:00",
            "+1:00-08:00",
            "24:00-08:00",
            "21:00-24:01",
            "night",
        ] {
            let err = bad.parse::<QuietHours>().unwrap_err();
            assert!(err.contains("HH:MM-HH:MM"), "{bad:?}: {err}");
        }
        let err = "08:00-08:00".parse::<QuietHours>().unwrap_err();
        assert_eq!(err, "the window is empty: it starts and ends at 08:00");
        let err = "00:00-24:00".parse::<QuietHours>().unwrap_err();
        assert_eq!(
            err,
            "the window is the whole day: nothing would ever be sent"
        );
    }

    #[test]
    fn not_before_takes_a_time_or_a_date_and_time() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!("08:30".parse(), Ok(NotBefore::Today(t(8, 30))));
        assert_eq!(
            "2025-06-01 08:30".parse(),
            Ok(NotBefore::At(d.and_time(t(8, 30))))
        );
        assert_eq!(
            "2025-06-01T08:30".parse(),
            Ok(NotBefore::At(d.and_time(t(8, 30))))
        );
        for bad in [
            "",
            "8",
            "tomorrow",
            "2025-06-01",
            "2025-13-01 08:00",
            "01/06/2025 08:00",
        ] {
            let err = bad.parse::<NotBefore>().unwrap_err();
            assert!(err.contains("HH:MM"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn zones_by_iana_name_in_any_case() {
        assert_eq!(zone("Asia/Beirut"), Zone::Named(Tz::Asia__Beirut));
        assert_eq!(zone("UTC"), Zone::Named(Tz::UTC));
        assert_eq!(zone("europe/berlin"), Zone::Named(Tz::Europe__Berlin));
        let err = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("not an IANA time zone name"), "{err}");
        assert_eq!(zone("Asia/Beirut").to_string(), "Asia/Beirut");
        assert_eq!(Zone::Local.to_string(), "local time");
    }

    #[test]
    fn the_machines_zone_follows_tz_then_the_system() {
        let berlin = Zone::Named(Tz::Europe__Berlin);
        assert_eq!(Zone::local_from(None, Some("Europe/Berlin")), berlin);
        assert_eq!(Zone::local_from(Some("Europe/Berlin"), Some("UTC")), berlin);
        assert_eq!(Zone::local_from(Some(":Europe/Berlin"), None), berlin);
        assert_eq!(
            Zone::local_from(Some("/usr/share/zoneinfo/Europe/Berlin"), None),
            berlin
        );
        assert_eq!(
            Zone::local_from(Some("CET-1CEST,M3.5.0,M10.5.0/3"), Some("UTC")),
            Zone::Local
        );
        assert_eq!(Zone::local_from(None, None), Zone::Local);
    }

    #[test]
    fn a_window_that_wraps_midnight() {
        let s = schedule("21:00-08:00", "UTC");
        assert_eq!(
            reopens(&s, "2025-06-01 23:00:00"),
            Some(utc("2025-06-02 08:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-06-02 03:00:00"),
            Some(utc("2025-06-02 08:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 12:00:00"),
            Some(utc("2025-06-02 21:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 08:30:00"),
            Some(utc("2025-06-02 21:00:00"))
        );
    }

    #[test]
    fn a_window_within_the_day() {
        let s = schedule("09:00-17:00", "UTC");
        assert_eq!(
            closes(&s, "2025-06-02 08:59:00"),
            Some(utc("2025-06-02 09:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-06-02 12:00:00"),
            Some(utc("2025-06-02 17:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 17:00:00"),
            Some(utc("2025-06-03 09:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 23:59:59"),
            Some(utc("2025-06-03 09:00:00"))
        );
    }

    #[test]
    fn the_start_is_quiet_and_the_end_is_not() {
        let s = schedule("21:00-08:00", "UTC");
        let before = utc("2025-06-01 21:00:00") - TimeDelta::nanoseconds(1);
        assert_eq!(s.at(before), Window::Open(Some(utc("2025-06-01 21:00:00"))));
        assert_eq!(
            reopens(&s, "2025-06-01 21:00:00"),
            Some(utc("2025-06-02 08:00:00"))
        );
        let last = utc("2025-06-02 08:00:00") - TimeDelta::nanoseconds(1);
        assert!(matches!(s.at(last), Window::Closed(h) if h.until == utc("2025-06-02 08:00:00")));
        assert_eq!(
            closes(&s, "2025-06-02 08:00:00"),
            Some(utc("2025-06-02 21:00:00"))
        );
    }

    #[test]
    fn a_window_to_midnight() {
        let s = schedule("22:00-24:00", "UTC");
        assert_eq!(
            reopens(&s, "2025-06-01 23:30:00"),
            Some(utc("2025-06-02 00:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 00:00:00"),
            Some(utc("2025-06-02 22:00:00"))
        );
    }

    #[test]
    fn a_window_in_a_zone_is_read_on_its_clocks() {
        // Beirut is UTC+3 in summer: 21:00-08:00 there is 18:00-05:00 UTC.
        let s = schedule("21:00-08:00", "Asia/Beirut");
        assert_eq!(
            closes(&s, "2025-06-01 17:00:00"),
            Some(utc("2025-06-01 18:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-06-01 18:00:00"),
            Some(utc("2025-06-02 05:00:00"))
        );
    }

    #[test]
    fn spring_forward_night_is_an_hour_shorter() {
        // Berlin, 2025-03-30: 02:00 CET (01:00 UTC) becomes 03:00 CEST. 21:00 CET is 20:00
        // UTC; 08:00 CEST is 06:00 UTC: ten hours of quiet, not eleven.
        let s = schedule("21:00-08:00", "Europe/Berlin");
        assert_eq!(
            closes(&s, "2025-03-29 19:00:00"),
            Some(utc("2025-03-29 20:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-03-29 20:00:00"),
            Some(utc("2025-03-30 06:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-03-30 01:00:00"),
            Some(utc("2025-03-30 06:00:00"))
        );
    }

    #[test]
    fn fall_back_night_is_an_hour_longer() {
        // Berlin, 2025-10-26: 03:00 CEST (01:00 UTC) becomes 02:00 CET. 21:00 CEST is 19:00
        // UTC; 08:00 CET is 07:00 UTC.
        let s = schedule("21:00-08:00", "Europe/Berlin");
        assert_eq!(
            reopens(&s, "2025-10-25 19:00:00"),
            Some(utc("2025-10-26 07:00:00"))
        );
        assert_eq!(
            reopens(&s, "2025-10-26 06:59:59"),
            Some(utc("2025-10-26 07:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-10-26 07:00:00"),
            Some(utc("2025-10-26 20:00:00"))
        );
    }

    #[test]
    fn a_boundary_the_clocks_skip_is_the_jump() {
        // Berlin, 2025-03-30: 02:30 never shows; the clocks jump at 01:00 UTC.
        let jump = utc("2025-03-30 01:00:00");
        let starts = schedule("02:30-04:00", "Europe/Berlin");
        assert_eq!(closes(&starts, "2025-03-30 00:59:59"), Some(jump));
        assert_eq!(
            reopens(&starts, "2025-03-30 01:00:00"),
            Some(utc("2025-03-30 02:00:00"))
        );
        let ends = schedule("21:00-02:30", "Europe/Berlin");
        assert_eq!(reopens(&ends, "2025-03-30 00:30:00"), Some(jump));
        assert_eq!(
            closes(&ends, "2025-03-30 01:00:00"),
            Some(utc("2025-03-30 19:00:00"))
        );
        // A window wholly inside the skipped hour does not happen that night.
        let skipped = schedule("02:10-02:40", "Europe/Berlin");
        assert_eq!(
            closes(&skipped, "2025-03-29 23:00:00"),
            Some(utc("2025-03-31 00:10:00"))
        );
        assert_eq!(
            closes(&skipped, "2025-03-30 01:00:00"),
            Some(utc("2025-03-31 00:10:00"))
        );
    }

    #[test]
    fn a_boundary_the_clocks_show_twice_makes_the_quiet_longer() {
        // New York, 2025-11-02: 02:00 EDT (06:00 UTC) becomes 01:00 EST; 01:00-02:00 shows
        // twice. 01:30 first shows at 05:30 UTC; 01:45 last shows at 06:45 UTC.
        let s = schedule("01:30-01:45", "America/New_York");
        assert_eq!(
            closes(&s, "2025-11-02 05:00:00"),
            Some(utc("2025-11-02 05:30:00"))
        );
        assert_eq!(
            reopens(&s, "2025-11-02 05:30:00"),
            Some(utc("2025-11-02 06:45:00"))
        );
        // The second 01:40 (06:40 UTC) is still quiet.
        assert_eq!(
            reopens(&s, "2025-11-02 06:40:00"),
            Some(utc("2025-11-02 06:45:00"))
        );
        assert_eq!(
            closes(&s, "2025-11-02 06:45:00"),
            Some(utc("2025-11-03 06:30:00"))
        );
        // The spring night in New York: 2025-03-09 02:00 EST (07:00 UTC) becomes 03:00 EDT.
        let night = schedule("22:00-06:00", "America/New_York");
        assert_eq!(
            reopens(&night, "2025-03-09 03:00:00"),
            Some(utc("2025-03-09 10:00:00"))
        );
    }

    #[test]
    fn periods_that_overlap_on_a_dst_night_run_on() {
        // 23.5 hours of quiet a day in Berlin. On 2025-10-26 02:00-03:00 shows twice (00:00
        // to 01:00 UTC in CEST, then 01:00 to 02:00 UTC in CET): the period of the 25th ends
        // at the last 02:00 (01:00 UTC), after the period of the 26th started at the first
        // 02:30 (00:30 UTC). The quiet runs on through both; that night has no gap to send in.
        let s = schedule("02:30-02:00", "Europe/Berlin");
        assert_eq!(
            reopens(&s, "2025-10-25 12:00:00"),
            Some(utc("2025-10-27 01:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-10-27 01:00:00"),
            Some(utc("2025-10-27 01:30:00"))
        );
        // A night without DST has its half hour.
        assert_eq!(
            reopens(&s, "2025-06-01 12:00:00"),
            Some(utc("2025-06-02 00:00:00"))
        );
        assert_eq!(
            closes(&s, "2025-06-02 00:00:00"),
            Some(utc("2025-06-02 00:30:00"))
        );
    }

    #[test]
    fn every_instant_of_a_dst_year_agrees_with_the_wall_clock() {
        // A year in 97-minute steps (which land on every time of day), and each DST night in
        // 5-minute steps, in three zones (Lord Howe moves its clocks by half an hour): an
        // instant whose wall time is inside the window is never open, and a wait ends at an
        // open instant.
        let zones = [
            ("Europe/Berlin", ["2025-03-30", "2025-10-26"]),
            ("America/New_York", ["2025-03-09", "2025-11-02"]),
            ("Australia/Lord_Howe", ["2025-04-06", "2025-10-05"]),
        ];
        for (name, nights) in zones {
            let z = zone(name);
            let mut walks = vec![(
                utc("2025-01-01 00:00:00"),
                utc("2026-01-01 00:00:00"),
                TimeDelta::minutes(97),
            )];
            for night in nights {
                let midnight = utc(&format!("{night} 00:00:00"));
                walks.push((
                    midnight - TimeDelta::days(1),
                    midnight + TimeDelta::days(2),
                    TimeDelta::minutes(5),
                ));
            }
            for window in ["21:00-08:00", "01:30-02:30", "02:00-03:00", "09:00-17:00"] {
                let q = quiet(window);
                let s = schedule(window, name);
                for &(from, to, step) in &walks {
                    let mut t = from;
                    while t < to {
                        let time = z.wall(t).time();
                        let on_the_wall = if q.wraps() {
                            time >= q.start || time < q.end
                        } else {
                            q.start <= time && time < q.end
                        };
                        match s.at(t) {
                            Window::Open(until) => {
                                assert!(!on_the_wall, "{name} {window}: open at {t}");
                                let until = until.expect("quiet hours come again");
                                assert!(until > t, "{name} {window} {t}");
                                assert!(
                                    matches!(s.at(until), Window::Closed(_)),
                                    "{name} {window} {t}"
                                );
                            }
                            Window::Closed(hold) => {
                                assert!(hold.until > t);
                                assert!(
                                    hold.until - t <= TimeDelta::hours(25),
                                    "{name} {window} {t}"
                                );
                                assert!(
                                    matches!(s.at(hold.until), Window::Open(_)),
                                    "{name} {window} {t}"
                                );
                            }
                        }
                        t += step;
                    }
                }
            }
        }
    }

    #[test]
    fn not_before_in_the_past_does_not_wait() {
        let now = utc("2025-06-01 10:00:00");
        let s = Schedule::new(None, Some("09:00".parse().unwrap()), zone("UTC"), now).unwrap();
        assert_eq!(s.at(now), Window::Open(None));
        let s = Schedule::new(
            None,
            Some("2025-05-31 23:00".parse().unwrap()),
            zone("UTC"),
            now,
        );
        assert_eq!(s.unwrap().at(now), Window::Open(None));
    }

    #[test]
    fn not_before_ahead_waits_for_it() {
        let now = utc("2025-06-01 10:00:00");
        let s = Schedule::new(
            None,
            Some("11:30".parse().unwrap()),
            zone("Asia/Beirut"),
            now,
        )
        .unwrap();
        // Beirut is UTC+3 and already 13:00 there: 11:30 today is past.
        assert_eq!(s.at(now), Window::Open(None));
        let s = Schedule::new(
            None,
            Some("14:30".parse().unwrap()),
            zone("Asia/Beirut"),
            now,
        )
        .unwrap();
        let Window::Closed(hold) = s.at(now) else {
            panic!()
        };
        assert_eq!(
            hold,
            Hold {
                until: utc("2025-06-01 11:30:00"),
                not_before: true,
                quiet: false
            }
        );
        assert_eq!(
            s.describe(&hold, now),
            "not before 14:30 (Asia/Beirut): waiting until 14:30 (in 1h30m)"
        );
        assert_eq!(s.at(hold.until), Window::Open(None));
    }

    #[test]
    fn not_before_a_time_the_clocks_skip_is_the_jump() {
        let now = utc("2025-03-29 12:00:00");
        let s = Schedule::new(
            None,
            Some("2025-03-30 02:30".parse().unwrap()),
            zone("Europe/Berlin"),
            now,
        )
        .unwrap();
        assert!(matches!(s.at(now), Window::Closed(h) if h.until == utc("2025-03-30 01:00:00")));
    }

    #[test]
    fn not_before_inside_quiet_hours_waits_for_their_end() {
        let now = utc("2025-06-01 18:00:00");
        let s = Schedule::new(
            Some(quiet("21:00-08:00")),
            Some("22:00".parse().unwrap()),
            zone("UTC"),
            now,
        )
        .unwrap();
        let Window::Closed(hold) = s.at(now) else {
            panic!()
        };
        assert_eq!(
            hold,
            Hold {
                until: utc("2025-06-02 08:00:00"),
                not_before: true,
                quiet: true
            }
        );
        assert_eq!(
            s.describe(&hold, now),
            "not before 22:00, then quiet hours 21:00-08:00 (UTC): waiting until 08:00 tomorrow (in 14h0m)"
        );
        // Before quiet hours, not-before alone holds: then sending runs until 21:00.
        let s = Schedule::new(
            Some(quiet("21:00-08:00")),
            Some("19:00".parse().unwrap()),
            zone("UTC"),
            now,
        )
        .unwrap();
        assert!(
            matches!(s.at(now), Window::Closed(h) if h.until == utc("2025-06-01 19:00:00") && !h.quiet)
        );
        assert_eq!(
            s.at(utc("2025-06-01 19:00:00")),
            Window::Open(Some(utc("2025-06-01 21:00:00")))
        );
    }

    #[test]
    fn nothing_to_wait_for_is_no_schedule() {
        assert_eq!(Schedule::new(None, None, Zone::Local, Utc::now()), None);
    }

    #[test]
    fn the_wait_is_described_as_the_spec_shows() {
        let s = schedule("21:00-08:00", "Asia/Beirut");
        // 04:48 in Beirut (UTC+3).
        let now = utc("2025-06-02 01:48:00");
        let Window::Closed(hold) = s.at(now) else {
            panic!()
        };
        assert_eq!(
            s.describe(&hold, now),
            "quiet hours 21:00-08:00 (Asia/Beirut): waiting until 08:00 (in 3h12m)"
        );
        let s = schedule("21:00-08:00", "UTC");
        let now = utc("2025-06-01 21:00:00");
        let Window::Closed(hold) = s.at(now) else {
            panic!()
        };
        assert_eq!(
            s.describe(&hold, now),
            "quiet hours 21:00-08:00 (UTC): waiting until 08:00 tomorrow (in 11h0m)"
        );
        let far = Schedule::new(
            None,
            Some("2025-06-05 09:00".parse().unwrap()),
            zone("UTC"),
            now,
        )
        .unwrap();
        let Window::Closed(hold) = far.at(now) else {
            panic!()
        };
        assert_eq!(
            far.describe(&hold, now),
            "not before 2025-06-05 09:00 (UTC): waiting until 2025-06-05 09:00 (in 3d12h)"
        );
    }

    #[test]
    fn seconds_in_words_from_seconds_to_ages() {
        assert_eq!(seconds_in_words(59.5), "1m");
        assert_eq!(seconds_in_words(1.0 / 0.02), "50s");
        assert_eq!(seconds_in_words(90_000.0), "1d1h");
        assert_eq!(seconds_in_words(1e9), "31.7 years");
        assert_eq!(seconds_in_words(1e300), "more than a thousand years");
        assert_eq!(
            seconds_in_words(f64::INFINITY),
            "more than a thousand years"
        );
    }

    #[test]
    fn waits_in_words_round_up_to_the_minute() {
        let w = |s| in_words(TimeDelta::seconds(s));
        assert_eq!(w(0), "0s");
        assert_eq!(w(42), "42s");
        assert_eq!(in_words(TimeDelta::milliseconds(41_200)), "42s");
        assert_eq!(w(60), "1m");
        assert_eq!(w(61), "2m");
        assert_eq!(w(3 * 3600 + 11 * 60 + 1), "3h12m");
        assert_eq!(w(3 * 3600), "3h0m");
        assert_eq!(w(50 * 3600), "2d2h");
        assert_eq!(w(-5), "0s");
    }
}
