//! The `.case` file format of the differential test (see the crate README).
//!
//! ```text
//! # a comment
//! ### set-and-get
//! SET k "a\x00b"
//! GET k
//! !sleep 150
//! !ignore-reply INFO server
//! !unordered KEYS *
//! !raw "PING\r\n"
//! ```

use std::time::Duration;

/// How a reply is compared between the two servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// Not at all (the command is still sent and its reply read).
    Ignore,
    /// Byte for byte after sorting the elements of the top-level array, or
    /// of the second element of a SCAN-shaped `[cursor, [items]]` reply.
    Unordered,
}

/// What one step of a case does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send a multibulk command and read one reply.
    Command {
        /// The arguments, command name first.
        args: Vec<Vec<u8>>,
        /// How the reply is compared.
        compare: Compare,
    },
    /// Send these bytes verbatim (e.g. an inline command) and read one reply.
    Raw(Vec<u8>),
    /// Wait this long before the next step.
    Sleep(Duration),
}

/// One line of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based line number in the case file.
    pub line: usize,
    /// The line as written, for failure reports.
    pub text: String,
    /// What to do.
    pub action: Action,
}

/// A named sequence of steps, run on a fresh connection after FLUSHALL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The name after `###`.
    pub name: String,
    /// The file it came from (as given to [`parse_cases`]).
    pub file: String,
    /// Line of the `###` header.
    pub line: usize,
    /// The steps in order.
    pub steps: Vec<Step>,
}

fn split(line: &str, file: &str, no: usize) -> Result<Vec<Vec<u8>>, String> {
    match resp_codec::split_args(line.as_bytes()) {
        Some(args) if !args.is_empty() => Ok(args),
        Some(_) => Err(format!("{file}:{no}: empty command")),
        None => Err(format!("{file}:{no}: unbalanced quotes in {line:?}")),
    }
}

/// Parses the text of one `.case` file; `file` names it in error messages.
///
/// Errors on a command before the first `### name`, a case without steps,
/// an unknown `!directive`, unbalanced quotes or a bad `!sleep` value.
pub fn parse_cases(text: &str, file: &str) -> Result<Vec<Case>, String> {
    let mut cases: Vec<Case> = Vec::new();
    for (idx, raw_line) in text.lines().enumerate() {
        let no = idx + 1;
        let line = raw_line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("###") {
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("{file}:{no}: case without a name"));
            }
            if let Some(prev) = cases.last() {
                if prev.steps.is_empty() {
                    return Err(format!(
                        "{file}:{}: case {:?} has no steps",
                        prev.line, prev.name
                    ));
                }
            }
            cases.push(Case {
                name: name.to_string(),
                file: file.to_string(),
                line: no,
                steps: Vec::new(),
            });
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let action = if let Some(rest) = line.strip_prefix('!') {
            let (directive, arg) = match rest.split_once(char::is_whitespace) {
                Some((d, a)) => (d, a.trim()),
                None => (rest, ""),
            };
            match directive {
                "sleep" => match arg.parse::<u64>() {
                    Ok(ms) => Action::Sleep(Duration::from_millis(ms)),
                    Err(_) => {
                        return Err(format!(
                            "{file}:{no}: !sleep needs milliseconds, got {arg:?}"
                        ))
                    }
                },
                "ignore-reply" => Action::Command {
                    args: split(arg, file, no)?,
                    compare: Compare::Ignore,
                },
                "unordered" => Action::Command {
                    args: split(arg, file, no)?,
                    compare: Compare::Unordered,
                },
                "raw" => {
                    let mut parts = split(arg, file, no)?;
                    if parts.len() != 1 {
                        return Err(format!("{file}:{no}: !raw takes exactly one quoted string"));
                    }
                    Action::Raw(parts.remove(0))
                }
                other => return Err(format!("{file}:{no}: unknown directive !{other}")),
            }
        } else {
            Action::Command {
                args: split(line, file, no)?,
                compare: Compare::Exact,
            }
        };
        match cases.last_mut() {
            Some(case) => case.steps.push(Step {
                line: no,
                text: line.to_string(),
                action,
            }),
            None => {
                return Err(format!(
                    "{file}:{no}: step before the first `### name` header"
                ))
            }
        }
    }
    if let Some(last) = cases.last() {
        if last.steps.is_empty() {
            return Err(format!(
                "{file}:{}: case {:?} has no steps",
                last.line, last.name
            ));
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(args: &[&[u8]], compare: Compare) -> Action {
        Action::Command {
            args: args.iter().map(|a| a.to_vec()).collect(),
            compare,
        }
    }

    #[test]
    fn parses_steps_and_directives() {
        let text = "# comment\n\n### first\nSET k \"a\\x00b\"\n  GET k  \n!sleep 150\n\
                    ### second\n!ignore-reply INFO server\n!unordered KEYS *\n!raw \"PING\\r\\n\"\n";
        let cases = match parse_cases(text, "t.case") {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "first");
        assert_eq!(cases[0].line, 3);
        let actions: Vec<_> = cases[0].steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            actions,
            vec![
                cmd(&[b"SET", b"k", b"a\x00b"], Compare::Exact),
                cmd(&[b"GET", b"k"], Compare::Exact),
                Action::Sleep(Duration::from_millis(150)),
            ]
        );
        assert_eq!(cases[0].steps[1].line, 5);
        assert_eq!(cases[0].steps[1].text, "GET k");
        let actions: Vec<_> = cases[1].steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            actions,
            vec![
                cmd(&[b"INFO", b"server"], Compare::Ignore),
                cmd(&[b"KEYS", b"*"], Compare::Unordered),
                Action::Raw(b"PING\r\n".to_vec()),
            ]
        );
    }

    #[test]
    fn rejects_malformed_files() {
        assert!(parse_cases("GET k\n", "t").is_err());
        assert!(parse_cases("###\nGET k\n", "t").is_err());
        assert!(parse_cases("### a\n### b\nGET k\n", "t").is_err());
        assert!(parse_cases("### a\n", "t").is_err());
        assert!(parse_cases("### a\nGET \"k\n", "t").is_err());
        assert!(parse_cases("### a\n!sleep x\n", "t").is_err());
        assert!(parse_cases("### a\n!frobnicate GET k\n", "t").is_err());
        assert!(parse_cases("### a\n!raw a b\n", "t").is_err());
        assert_eq!(parse_cases("", "t"), Ok(Vec::new()));
    }
}
