//! The config file: account and defaults for people who send often, so that neither the
//! password nor the sender has to be typed each time. Found at `--config PATH`, else
//! `./smsmerge.toml`, else `<user config dir>/smsmerge/config.toml`. Flags beat the
//! environment, which beats the file (see `settings`).

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's keys; unknown keys are refused so a typo does not silently do nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Account id.
    pub uid: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// Login password (prefer `password_file` or the environment).
    pub password: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// Default sender id.
    pub sender: Option<String>,
    /// Gateway base URL.
    pub base_url: Option<String>,
    /// Default `--country-code`.
    pub country_code: Option<String>,
    /// `--no-number-check`: the country-blind length rules instead of numbering plans.
    pub no_number_check: Option<bool>,
    /// `--allow-landlines`: send to numbers the plan knows as fixed lines.
    pub allow_landlines: Option<bool>,
    /// Default `-j/--concurrency`.
    pub concurrency: Option<usize>,
    /// Default `--rate` (messages per second).
    pub rate: Option<f64>,
    /// Default `--log-file`.
    pub log_file: Option<PathBuf>,
    /// Opt-out lists always applied, as `--exclude` (which replaces them when given).
    pub exclude: Option<Vec<PathBuf>>,
    /// Default `--quiet-hours` (`"21:00-08:00"`).
    pub quiet_hours: Option<String>,
    /// Default `--timezone` (`"Asia/Beirut"`).
    pub timezone: Option<String>,
    /// Default `--gsm-substitute`: replace GSM-7 look-alikes on every send.
    pub gsm_substitute: Option<bool>,
    /// Default `--max-total-segments`: the most segments one send may need.
    pub max_total_segments: Option<u64>,
    /// What one segment costs, so the confirmation and the plan show an estimated price.
    pub price_per_segment: Option<f64>,
    /// The currency written after estimated prices (`"SAR"`).
    pub currency: Option<String>,
    /// A regular expression every acceptance of the gateway must match (`'^\d+$'`); an
    /// answer that does not is not taken as one.
    pub success_pattern: Option<String>,
    /// Default `--header-row`: the 1-based row the column titles are in.
    pub header_row: Option<u32>,
    /// Default `--skip-hidden-rows`: rows hidden in Excel are SKIPPED.
    pub skip_hidden_rows: Option<bool>,
    /// Default `--time-format` (`"%H:%M"`).
    pub time_format: Option<String>,
}

/// A config file that was found and read.
#[derive(Debug)]
pub struct Loaded {
    /// Where it was.
    pub path: PathBuf,
    /// What it says.
    pub file: ConfigFile,
}

/// The name looked for in the current folder.
pub const LOCAL_NAME: &str = "smsmerge.toml";

/// Finds and reads the config file. An explicit `--config` that does not exist is an error;
/// the default places are simply skipped when absent.
pub fn load(explicit: Option<&Path>) -> Result<Option<Loaded>> {
    let path = match explicit {
        Some(path) => {
            if !path.is_file() {
                bail!("--config {}: no such file", path.display());
            }
            path.to_owned()
        }
        None => {
            let local = PathBuf::from(LOCAL_NAME);
            let user = dirs::config_dir().map(|d| d.join("smsmerge").join("config.toml"));
            match std::iter::once(local).chain(user).find(|p| p.is_file()) {
                Some(path) => path,
                None => return Ok(None),
            }
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("config file {}", path.display()))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| refused(&path, &text, &e))?;
    if file.password.is_some() && readable_by_others(&path) {
        crate::cli::terminal::warn(format!(
            "config file {} holds a password and other users can read it; run: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(Some(Loaded { path, file }))
}

/// The one-line error for a config file the parser refused: the line, the key written on it,
/// and what is wrong in words a person reads.
///
/// The parser quotes the value it refused (``invalid type: integer `98765432`, expected a
/// string``), and that value may be the password. So a message that quotes anything is shown
/// only for a line whose key is known and is not a password's.
fn refused(path: &Path, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let (line, key) = match error.span() {
        Some(span) => {
            let (line, key) = line_and_key(text, span.start);
            (Some(line), key)
        }
        None => (None, None),
    };
    let place = match (line, key) {
        (Some(line), Some(key)) => format!(", line {line} ({key})"),
        (Some(line), None) => format!(", line {line}"),
        (None, _) => String::new(),
    };
    let message = error.message().trim_end();
    let secret = key.is_none_or(|k| k.to_lowercase().contains("password"));
    let message = if secret && message.contains(['`', '"', '\'']) {
        "this value cannot be used (it is not shown here: it could be the password); check its type and quotes".to_owned()
    } else {
        // serde's names for numbers mean nothing to most people.
        message
            .replace("expected u64", "expected a whole number of 0 or more")
            .replace("expected usize", "expected a whole number of 0 or more")
            .replace("expected f64", "expected a number")
    };
    anyhow::anyhow!("config file {}{place}: {message}", path.display())
}

/// The line number of a byte offset, and the key written at the start of that line (without
/// quotes or a byte-order mark), if the line has one.
fn line_and_key(text: &str, offset: usize) -> (usize, Option<&str>) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let key = text[start..]
        .lines()
        .next()
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| {
            key.trim_start_matches('\u{feff}')
                .trim()
                .trim_matches(['"', '\''])
                .trim()
        })
        .filter(|key| !key.is_empty() && key.len() <= 40 && !key.contains(['[', '#']));
    (line, key)
}

/// The most a `password_file` may hold: a password is a line, and a file much longer than one
/// (or a device such as `/dev/zero` that never ends) was named by mistake.
pub const MAX_PASSWORD_FILE_BYTES: u64 = 4096;

/// Reads the password from a `password_file` named in the config file at `config`: its first
/// line, without the line break or a byte-order mark.
///
/// A value that names no file may be the password itself, written under the wrong key, so it
/// is never shown: only a path that exists is.
pub fn read_password_file(path: &Path, config: &Path) -> Result<String> {
    use std::io::Read;
    if !path.exists() {
        bail!(
            "password_file in {}: no such file (its value is not shown, in case it is the password itself); password_file names a file whose first line is the password",
            config.display()
        );
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_PASSWORD_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
        })
        .with_context(|| format!("password_file {}", path.display()))?;
    if bytes.len() as u64 > MAX_PASSWORD_FILE_BYTES {
        bail!(
            "password_file {}: longer than {MAX_PASSWORD_FILE_BYTES} bytes; it should hold only the password, on its first line",
            path.display()
        );
    }
    let text = String::from_utf8(bytes)
        .ok()
        .filter(|text| !text.contains('\0'))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "password_file {}: not a text file; it should hold only the password, on its first line",
                path.display()
            )
        })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.is_empty() {
        bail!("password_file {}: the first line is empty", path.display());
    }
    if readable_by_others(path) {
        crate::cli::terminal::warn(format!(
            "password_file {} can be read by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(password)
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_the_line_and_key_but_never_shows_a_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smsmerge.toml");
        let error = |text: &str| {
            std::fs::write(&path, text).unwrap();
            load(Some(&path)).unwrap_err().to_string()
        };
        let e = error("sender = \"X\"\nmax_total_segments = -5\n");
        assert!(
            e.ends_with(
                ", line 2 (max_total_segments): invalid value: integer `-5`, expected a whole number of 0 or more"
            ),
            "{e}"
        );
        let e = error("rate = \"fast\"\n");
        assert!(
            e.ends_with("(rate): invalid type: string \"fast\", expected a number"),
            "{e}"
        );
        for text in [
            "password = 98765432\n",
            "uid = \"1\"\npassword = [\"98765432\"]\n",
            "\"password\" = 98765432\n",
            "'password' = 98765432\n",
            "\u{feff}password = 98765432\n",
            "password = { x = \"98765432\" }\n",
            "password = [\n  98765432,\n]\n",
        ] {
            let e = error(text);
            assert!(!e.contains("98765432"), "{text:?}: {e}");
            assert!(e.contains("smsmerge.toml, line "), "{text:?}: {e}");
        }
        // An offset inside a multi-byte character neither panics nor names another line.
        assert_eq!(
            line_and_key("sender = \"ب\"\nx = 1", 11),
            (1, Some("sender"))
        );
    }

    #[test]
    fn every_documented_key_parses() {
        let file: ConfigFile = toml::from_str(
            r#"
            uid = "1000"
            username = "shop"
            password_file = "/etc/smsmerge/password"
            sender = "MYSHOP"
            base_url = "http://www.ot-sms.com"
            country_code = "961"
            concurrency = 16
            rate = 20.5
            quiet_hours = "21:00-08:00"
            timezone = "Asia/Beirut"
            gsm_substitute = true
            max_total_segments = 5000
            price_per_segment = 1
            currency = "SAR"
            success_pattern = '^\d+$'
            "#,
        )
        .unwrap();
        assert_eq!(file.uid.as_deref(), Some("1000"));
        assert_eq!(file.concurrency, Some(16));
        assert_eq!(file.rate, Some(20.5));
        assert_eq!(file.quiet_hours.as_deref(), Some("21:00-08:00"));
        assert_eq!(file.timezone.as_deref(), Some("Asia/Beirut"));
        assert!(file.password.is_none());
        assert_eq!(file.gsm_substitute, Some(true));
        assert_eq!(file.max_total_segments, Some(5000));
        // A whole price is a price too.
        assert_eq!(file.price_per_segment, Some(1.0));
        assert_eq!(file.currency.as_deref(), Some("SAR"));
        assert_eq!(file.success_pattern.as_deref(), Some(r"^\d+$"));
    }

    #[test]
    fn a_password_file_is_its_first_line_and_is_read_with_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("smsmerge.toml");
        let path = dir.path().join("pw");
        std::fs::write(&path, "\u{feff}S3cr3t\r\nnotes\n").unwrap();
        assert_eq!(read_password_file(&path, &config).unwrap(), "S3cr3t");
        std::fs::write(&path, "x".repeat(5000)).unwrap();
        let e = read_password_file(&path, &config).unwrap_err().to_string();
        assert!(e.contains("longer than 4096 bytes"), "{e}");
        std::fs::write(&path, "a\0b").unwrap();
        let e = read_password_file(&path, &config).unwrap_err().to_string();
        assert!(e.contains("not a text file"), "{e}");
        #[cfg(unix)]
        {
            let e = read_password_file(Path::new("/dev/zero"), &config)
                .unwrap_err()
                .to_string();
            assert!(e.contains("/dev/zero: longer than 4096 bytes"), "{e}");
        }
    }

    #[test]
    fn a_password_file_that_does_not_exist_is_not_named() {
        let config = Path::new("smsmerge.toml");
        let e = read_password_file(Path::new("Hunter2 secret!"), config)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("Hunter2"), "{e}");
        assert!(
            e.starts_with("password_file in smsmerge.toml: no such file"),
            "{e}"
        );
    }

    #[test]
    fn typos_are_refused() {
        let err = toml::from_str::<ConfigFile>("sendr = \"X\"").unwrap_err();
        assert!(err.message().contains("sendr"), "{}", err.message());
    }
}
