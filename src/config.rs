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
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let (place, key) = e
            .span()
            .map(|span| where_in(&text, span.start))
            .unwrap_or_default();
        // The parser quotes the value it refused, which on this line is the password.
        let message = if key.as_deref() == Some("password") {
            "not a valid password (value not shown); write it in quotes, or better use password_file"
        } else {
            e.message().trim_end()
        };
        anyhow::anyhow!("config file {}{place}: {message}", path.display())
    })?;
    if file.password.is_some() && readable_by_others(&path) {
        crate::terminal::warn(format!(
            "config file {} holds a password and other users can read it; run: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(Some(Loaded { path, file }))
}

/// `, line 3 (max_total_segments)`: the line of a byte offset and the key written on it, so
/// an error says which setting is wrong, and the key. Only the key is quoted, never the
/// value, which could be a password.
fn where_in(text: &str, offset: usize) -> (String, Option<String>) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let key = text[start..]
        .lines()
        .next()
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| !key.is_empty() && key.len() <= 40 && !key.contains(['[', '"', '#']));
    match key {
        Some(key) => (format!(", line {line} ({key})"), Some(key.to_owned())),
        None => (format!(", line {line}"), None),
    }
}

/// Reads the password from a `password_file`: its first line, without the line break.
pub fn read_password_file(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("password_file {}", path.display()))?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.is_empty() {
        bail!("password_file {}: the first line is empty", path.display());
    }
    if readable_by_others(path) {
        crate::terminal::warn(format!(
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
            e.contains(", line 2 (max_total_segments): invalid value"),
            "{e}"
        );
        for text in [
            "password = 98765432\n",
            "uid = \"1\"\npassword = [\"98765432\"]\n",
        ] {
            let e = error(text);
            assert!(!e.contains("98765432"), "{e}");
            assert!(e.contains("(password): not a valid password"), "{e}");
        }
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
    }

    #[test]
    fn typos_are_refused() {
        let err = toml::from_str::<ConfigFile>("sendr = \"X\"").unwrap_err();
        assert!(err.message().contains("sendr"), "{}", err.message());
    }
}
