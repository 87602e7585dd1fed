//! Splitting of inline commands into arguments, with the quoting rules of
//! Redis's `sdssplitargs`.
//!
//! Inline commands are what people type into `telnet`/`nc`; the same rules
//! are also used by Redis for configuration files, so [`split_args`] is
//! public for that purpose too.

/// One argument found by the splitter: either a plain range of the input
/// (the common case, so the request decoder can hand out zero-copy slices)
/// or owned bytes when quoting or escaping changed the content.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// The argument is `line[start..end]` verbatim.
    Range(usize, usize),
    /// The argument had to be rebuilt.
    Owned(Vec<u8>),
}

/// Incrementally built token that stays a range as long as possible.
struct Builder {
    token: Token,
}

impl Builder {
    fn new() -> Self {
        Builder {
            token: Token::Range(0, 0),
        }
    }

    /// Appends the source byte at index `i` of `line`.
    fn push_src(&mut self, line: &[u8], i: usize) {
        match &mut self.token {
            Token::Range(s, e) if s == e => {
                *s = i;
                *e = i + 1;
            }
            Token::Range(_, e) if *e == i => *e += 1,
            Token::Range(..) => self.push_byte(line, line.get(i).copied().unwrap_or(0)),
            Token::Owned(v) => v.push(line.get(i).copied().unwrap_or(0)),
        }
    }

    /// Appends a byte that does not appear verbatim in the source.
    fn push_byte(&mut self, line: &[u8], b: u8) {
        match &mut self.token {
            Token::Range(s, e) => {
                let mut v = Vec::with_capacity(*e - *s + 16);
                v.extend_from_slice(line.get(*s..*e).unwrap_or_default());
                v.push(b);
                self.token = Token::Owned(v);
            }
            Token::Owned(v) => v.push(b),
        }
    }
}

fn is_hex_digit(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits `line` into tokens, or returns `None` for unbalanced quotes.
pub(crate) fn split_tokens(line: &[u8]) -> Option<Vec<Token>> {
    // Reading past the end yields 0, like the C string terminator.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut tokens = Vec::new();
    let mut p = 0usize;
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Some(tokens);
        }
        let mut in_dq = false;
        let mut in_sq = false;
        let mut cur = Builder::new();
        loop {
            let c = at(p);
            if in_dq {
                if c == b'\\'
                    && at(p + 1) == b'x'
                    && is_hex_digit(at(p + 2))
                    && is_hex_digit(at(p + 3))
                {
                    cur.push_byte(line, hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    let e = match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    };
                    cur.push_byte(line, e);
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push_src(line, p);
                }
            } else if in_sq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    cur.push_byte(line, b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push_src(line, p);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        p += 1;
                        break;
                    }
                    0 => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => cur.push_src(line, p),
                }
            }
            p += 1;
        }
        tokens.push(cur.token);
    }
}

/// Splits a line into arguments with Redis's `sdssplitargs` rules; `None`
/// means unbalanced quotes, or a closing quote not followed by a blank.
///
/// Rules (byte-for-byte those of Redis 7.0):
/// - Arguments are separated by blanks (C `isspace`: space, `\t`, `\n`,
///   `\v`, `\f`, `\r`); an unquoted argument ends at space, `\t`, `\n`, `\r`.
/// - `"..."` supports `\n \r \t \b \a`, `\xHH` (two hex digits), and `\`
///   followed by any other byte stands for that byte (so `\\` and `\"`).
/// - `'...'` is literal except that `\'` stands for `'`.
/// - A quote may start in the middle of an unquoted argument (`a"b c"` is the
///   single argument `ab c`), but a closing quote must be followed by a blank
///   or the end of the line, otherwise the line is rejected.
/// - An unterminated quote rejects the line.
/// - A NUL byte ends the line (Redis parses it as a C string).
///
/// Useful beyond the wire protocol, e.g. for parsing Redis-style
/// configuration files.
///
/// ```
/// use resp_codec::split_args;
/// let args = split_args(br#"set "a b" 'c d' "\x41\n""#).unwrap_or_default();
/// assert_eq!(args, vec![b"set".to_vec(), b"a b".to_vec(), b"c d".to_vec(), b"A\n".to_vec()]);
/// assert_eq!(split_args(b"get \"unterminated"), None);
/// assert_eq!(split_args(b"get \"a\"b"), None);
/// ```
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let tokens = split_tokens(line)?;
    Some(
        tokens
            .into_iter()
            .map(|t| match t {
                Token::Range(s, e) => line.get(s..e).unwrap_or_default().to_vec(),
                Token::Owned(v) => v,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8]) -> Option<Vec<Vec<u8>>> {
        split_args(line)
    }

    fn v(items: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
        Some(items.iter().map(|s| s.to_vec()).collect())
    }

    #[test]
    fn plain_words() {
        assert_eq!(split(b"set foo bar"), v(&[b"set", b"foo", b"bar"]));
        assert_eq!(split(b"  set\t\tfoo   bar  "), v(&[b"set", b"foo", b"bar"]));
        assert_eq!(split(b""), v(&[]));
        assert_eq!(split(b"   \t "), v(&[]));
        assert_eq!(split(b"a\rb"), v(&[b"a", b"b"]));
        // \v and \f are blanks between words but not word terminators.
        assert_eq!(split(b"\x0b a\x0bb"), v(&[b"a\x0bb"]));
    }

    #[test]
    fn quoting() {
        assert_eq!(split(br#"set "a b" 'c d'"#), v(&[b"set", b"a b", b"c d"]));
        assert_eq!(split(br#""\x41""#), v(&[b"A"]));
        assert_eq!(split(br#""\x4a\x4B""#), v(&[b"JK"]));
        assert_eq!(split(br#""\xzz""#), v(&[b"xzz"]));
        assert_eq!(split(br#""\x4""#), v(&[b"x4"]));
        assert_eq!(
            split(br#""\n\r\t\b\a\\\"\q""#),
            v(&[b"\n\r\t\x08\x07\\\"q"])
        );
        assert_eq!(split(br#"'it\'s' 'a\nb'"#), v(&[b"it's", b"a\\nb"]));
        assert_eq!(split(br#""" ''"#), v(&[b"", b""]));
        assert_eq!(split(br#"a"b c"d"#), None);
        assert_eq!(split(br#"a"b c" d"#), v(&[b"ab c", b"d"]));
        assert_eq!(split(br#""a"	"b""#), v(&[b"a", b"b"]));
        assert_eq!(split(b"\"a\"\x0bb"), v(&[b"a", b"b"]));
    }

    #[test]
    fn unbalanced() {
        assert_eq!(split(br#"get "foo"#), None);
        assert_eq!(split(br#"get 'foo"#), None);
        assert_eq!(split(br#"get "foo"bar"#), None);
        assert_eq!(split(br#"get 'foo'bar"#), None);
        assert_eq!(split(br#"get "foo\"#), None);
        assert_eq!(split(br#"get 'foo\'"#), None);
    }

    #[test]
    fn nul_ends_the_line() {
        assert_eq!(split(b"get a\0b c"), v(&[b"get", b"a"]));
        assert_eq!(split(b"get \"a\0b\""), None);
        assert_eq!(split(b"\"a\"\0x"), v(&[b"a"]));
        assert_eq!(split(br#"get "\x00""#), v(&[b"get", b"\0"]));
    }

    #[test]
    fn tokens_stay_ranges_when_possible() {
        let line = br#"set "ab" 'c' x\y"#;
        let t = split_tokens(line).unwrap_or_default();
        assert_eq!(
            t,
            vec![
                Token::Range(0, 3),
                Token::Range(5, 7),
                Token::Range(10, 11),
                Token::Range(13, 16)
            ]
        );
        let t = split_tokens(br#"a"b""#).unwrap_or_default();
        assert_eq!(t, vec![Token::Owned(b"ab".to_vec())]);
    }
}
