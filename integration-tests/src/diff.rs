//! Runs [`Case`]s on two servers in lockstep and reports every reply that
//! differs.

use std::fmt;

use crate::cases::{Action, Case, Compare};
use crate::client::RawClient;

/// Escapes bytes for failure messages: printable ASCII as is, `\r \n \t \\
/// \"` escaped, every other byte as `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Shortens an escaped reply for display, keeping both ends.
fn shorten(s: String) -> String {
    const MAX: usize = 600;
    if s.len() <= MAX {
        return s;
    }
    let head: String = s.chars().take(MAX / 2).collect();
    let tail: String = s
        .chars()
        .rev()
        .take(MAX / 4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}...({} chars)...{tail}", s.len())
}

/// One reply that differed (or could not be read) in a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Case name.
    pub case: String,
    /// `file:line` of the step.
    pub location: String,
    /// The step as written in the case file.
    pub command: String,
    /// The left server's reply (escaped), or the read error.
    pub left: String,
    /// The right server's reply (escaped), or the read error.
    pub right: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "case {:?} ({})\n  command: {}\n  left:  {}\n  right: {}",
            self.case, self.location, self.command, self.left, self.right
        )
    }
}

/// The result of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseOutcome {
    /// Replies compared (all steps except sleeps and `!ignore-reply`).
    pub compared: usize,
    /// Every difference, in step order.
    pub mismatches: Vec<Mismatch>,
    /// Whether a connection failed (the case was cut short).
    pub connection_failed: bool,
}

/// Splits an aggregate reply (`*N` or `~N`) into its header and the raw
/// bytes of each element; `None` for anything else.
fn split_aggregate(raw: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    if !matches!(raw.first(), Some(b'*' | b'~')) {
        return None;
    }
    let header_end = raw.windows(2).position(|w| w == b"\r\n")? + 2;
    let count: usize = std::str::from_utf8(raw.get(1..header_end - 2)?)
        .ok()?
        .parse()
        .ok()?;
    let mut items = Vec::with_capacity(count.min(raw.len()));
    let mut pos = header_end;
    for _ in 0..count {
        let rest = raw.get(pos..)?;
        let len = resp_codec::frame_len(rest).ok()??;
        items.push(rest.get(..len)?);
        pos += len;
    }
    Some((raw.get(..header_end)?, items))
}

fn sorted(header: &[u8], mut items: Vec<&[u8]>) -> Vec<u8> {
    items.sort_unstable();
    let mut out = header.to_vec();
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// Makes an unordered reply comparable: sorts the top-level array elements,
/// or for a SCAN-shaped `[bulk cursor, array]` reply the inner array's.
/// Anything else is returned unchanged.
pub fn normalize_unordered(raw: &[u8]) -> Vec<u8> {
    let Some((header, items)) = split_aggregate(raw) else {
        return raw.to_vec();
    };
    if let [cursor, inner] = items.as_slice() {
        if cursor.first() == Some(&b'$') {
            if let Some((inner_header, inner_items)) = split_aggregate(inner) {
                let mut out = header.to_vec();
                out.extend_from_slice(cursor);
                out.extend_from_slice(&sorted(inner_header, inner_items));
                return out;
            }
        }
    }
    sorted(header, items)
}

fn describe(reply: &std::io::Result<Vec<u8>>) -> String {
    match reply {
        Ok(bytes) => shorten(escape(bytes)),
        Err(e) => format!("<no reply: {e}>"),
    }
}

/// Sends one step's bytes to a client and reads one reply.
fn exchange(client: &mut RawClient, action: &Action) -> std::io::Result<Vec<u8>> {
    match action {
        Action::Command { args, .. } => client.request(args),
        Action::Raw(bytes) => client.request_raw(bytes),
        Action::Sleep(_) => Ok(Vec::new()),
    }
}

/// Runs `case` on fresh connections to both ports: FLUSHALL and SELECT 0
/// first, then every step on the left then the right server, comparing the
/// replies as the step says. A connection error ends the case.
pub fn run_case(case: &Case, left_port: u16, right_port: u16) -> CaseOutcome {
    run_case_traced(case, left_port, right_port, false)
}

/// [`run_case`]; with `trace`, prints every step and the right server's
/// reply to stdout (to review what a case really exercises).
pub fn run_case_traced(case: &Case, left_port: u16, right_port: u16, trace: bool) -> CaseOutcome {
    if trace {
        println!("### {} ({}:{})", case.name, case.file, case.line);
    }
    let mut outcome = CaseOutcome::default();
    let mismatch = |location: String, command: &str, left: String, right: String| Mismatch {
        case: case.name.clone(),
        location,
        command: command.to_string(),
        left,
        right,
    };
    let header = format!("{}:{}", case.file, case.line);
    let (mut left, mut right) = match (
        RawClient::connect(left_port),
        RawClient::connect(right_port),
    ) {
        (Ok(l), Ok(r)) => (l, r),
        (l, r) => {
            let show = |c: &std::io::Result<RawClient>| match c {
                Ok(_) => "connected".to_string(),
                Err(e) => format!("<cannot connect: {e}>"),
            };
            outcome
                .mismatches
                .push(mismatch(header, "(connect)", show(&l), show(&r)));
            outcome.connection_failed = true;
            return outcome;
        }
    };
    for setup in [&["FLUSHALL"][..], &["SELECT", "0"][..]] {
        let l = left.request(setup);
        let r = right.request(setup);
        let ok = |x: &std::io::Result<Vec<u8>>| matches!(x, Ok(b) if b.as_slice() == b"+OK\r\n");
        if !ok(&l) || !ok(&r) {
            outcome.mismatches.push(mismatch(
                header.clone(),
                &format!("(setup) {}", setup.join(" ")),
                describe(&l),
                describe(&r),
            ));
            outcome.connection_failed = l.is_err() || r.is_err();
            return outcome;
        }
    }
    for step in &case.steps {
        let location = format!("{}:{}", case.file, step.line);
        let compare = match &step.action {
            Action::Sleep(d) => {
                std::thread::sleep(*d);
                continue;
            }
            Action::Command { compare, .. } => *compare,
            Action::Raw(_) => Compare::Exact,
        };
        let l = exchange(&mut left, &step.action);
        let r = exchange(&mut right, &step.action);
        if trace {
            println!("  {}\n    -> {}", step.text, describe(&r));
        }
        let (lb, rb) = match (&l, &r) {
            (Ok(lb), Ok(rb)) => (lb, rb),
            _ => {
                outcome
                    .mismatches
                    .push(mismatch(location, &step.text, describe(&l), describe(&r)));
                outcome.connection_failed = true;
                return outcome;
            }
        };
        let same = match compare {
            Compare::Ignore => continue,
            Compare::Exact => lb == rb,
            Compare::Unordered => normalize_unordered(lb) == normalize_unordered(rb),
        };
        outcome.compared += 1;
        if !same {
            outcome
                .mismatches
                .push(mismatch(location, &step.text, describe(&l), describe(&r)));
        }
    }
    left.close();
    right.close();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bytes() {
        assert_eq!(escape(b"+OK\r\n"), "+OK\\r\\n");
        assert_eq!(escape(b"a\x00\xff\"\\"), "a\\x00\\xff\\\"\\\\");
    }

    #[test]
    fn sorts_arrays_and_scan_replies() {
        assert_eq!(
            normalize_unordered(b"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"),
            b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n".to_vec()
        );
        assert_eq!(
            normalize_unordered(b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n"),
            b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\ny\r\n$1\r\nz\r\n".to_vec()
        );
        assert_eq!(normalize_unordered(b"-ERR x\r\n"), b"-ERR x\r\n".to_vec());
        assert_eq!(normalize_unordered(b"*0\r\n"), b"*0\r\n".to_vec());
    }
}
