//! redis.conf-style files: `name value…` lines, `#` comments, quoted arguments; and CONFIG REWRITE.

use std::path::Path;

use super::options::{find, OPTIONS};
use super::{Config, ConfigError};

/// Applies one `name value` pair (from a file line, a flag or CONFIG SET) to `config`.
pub fn apply(config: &mut Config, name: &str, value: &str) -> Result<(), ConfigError> {
    let opt = find(name).ok_or_else(|| ConfigError::UnknownOption(name.to_string()))?;
    (opt.set)(config, value).map_err(|reason| ConfigError::BadValue {
        option: opt.name.to_string(),
        reason,
    })
}

/// Applies every line of a config file's text.
pub fn apply_text(config: &mut Config, text: &str, file: &str) -> Result<(), ConfigError> {
    for (i, line) in text.lines().enumerate() {
        let bad = |reason: String| ConfigError::BadLine {
            file: file.to_string(),
            line: i + 1,
            reason,
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words = split_words(trimmed)
            .ok_or_else(|| bad("Unbalanced quotes in configuration line".into()))?;
        let Some((name, values)) = words.split_first() else {
            continue;
        };
        if values.is_empty() && !name.eq_ignore_ascii_case("requirepass") {
            return Err(bad(format!(
                "Bad directive or wrong number of arguments: '{name}'"
            )));
        }
        apply(config, name, &values.join(" ")).map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

/// Reads and applies a config file.
pub fn load(config: &mut Config, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::Io(format!(
            "Fatal error, can't open config file '{}': {e}",
            path.display()
        ))
    })?;
    apply_text(config, &text, &path.display().to_string())
}

/// Splits a line into words, honouring double and single quotes.
fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(words);
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' if first == '"' => word.push(chars.next()?),
                    c if c == first => break,
                    c => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
}

/// Rewrites `path` so it reflects `config`: lines of known options are replaced in place, options
/// that differ from the default and are missing are appended, comments and unknown lines are kept.
pub fn rewrite(config: &Config, path: &Path) -> Result<(), ConfigError> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let defaults = Config::default();
    let mut written = std::collections::HashSet::new();
    let mut out = String::new();
    for line in old.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        match find(name).filter(|_| !line.trim_start().starts_with('#')) {
            Some(opt) => {
                if written.insert(opt.name) {
                    out.push_str(&format!("{} {}\n", opt.name, quote((opt.get)(config))));
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for opt in OPTIONS {
        if !written.contains(opt.name) && (opt.get)(config) != (opt.get)(&defaults) {
            out.push_str(&format!("{} {}\n", opt.name, quote((opt.get)(config))));
        }
    }
    let tmp = path.with_extension("rewrite.tmp");
    std::fs::write(&tmp, out)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| ConfigError::Io(e.to_string()))
}

fn quote(v: String) -> String {
    if v.is_empty() || v.contains(char::is_whitespace) || v.contains('"') {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_apply_in_order() {
        let mut c = Config::default();
        let text = "# comment\nport 7000\n\nrequirepass \"pass word\"\ndatabases 4\nport 7001\n";
        assert_eq!(apply_text(&mut c, text, "t.conf"), Ok(()));
        assert_eq!(c.port, 7001);
        assert_eq!(c.requirepass, "pass word");
        assert_eq!(c.databases, 4);
    }

    #[test]
    fn unknown_directives_name_the_line() {
        let mut c = Config::default();
        let err = apply_text(&mut c, "port 1\nfrobnicate yes\n", "t.conf");
        assert!(
            matches!(err, Err(ConfigError::BadLine { line: 2, .. })),
            "{err:?}"
        );
        assert!(apply_text(&mut c, "requirepass \"open", "t.conf").is_err());
    }

    #[test]
    fn rewrite_keeps_comments_and_updates_values() {
        let path =
            std::env::temp_dir().join(format!("ardb-rs-rewrite-{}.conf", std::process::id()));
        assert!(std::fs::write(&path, "# mine\nport 7000\nhz 20\n").is_ok());
        let mut c = Config::default();
        assert_eq!(load(&mut c, &path), Ok(()));
        c.hz = 50;
        c.requirepass = "s3cret".into();
        assert_eq!(rewrite(&c, &path), Ok(()));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text, "# mine\nport 7000\nhz 50\nrequirepass s3cret\n");
        let _ = std::fs::remove_file(&path);
    }
}
