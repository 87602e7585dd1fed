//! Redis-style glob matching for KEYS, SCAN MATCH and CONFIG GET: `*`, `?`, `[abc]`, `[^a-z]`, `\x`.

/// Whether `text` matches `pattern`, optionally ignoring ASCII case, with Redis's rules (an unclosed
/// `[` matches up to the end of the pattern; a trailing `\` is literal).
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    let mut exhausted = false;
    matches(pattern, text, nocase, &mut exhausted)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// `exhausted` is set once a `*` has tried every split of the remaining text without a match: the
/// rest of the pattern then cannot match any shorter remainder either, so every enclosing `*` stops
/// trying longer spans at once. This keeps patterns like `*a*a*a*…b` polynomial instead of
/// exponential (the same idea as Redis's fix for CVE-2022-36021).
fn matches(mut p: &[u8], mut t: &[u8], nocase: bool, exhausted: &mut bool) -> bool {
    while let Some(&pc) = p.first() {
        match pc {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for i in 0..=t.len() {
                    if matches(&p[1..], &t[i..], nocase, exhausted) {
                        return true;
                    }
                    if *exhausted {
                        return false;
                    }
                }
                *exhausted = true;
                return false;
            }
            b'?' => {
                if t.is_empty() {
                    return false;
                }
                t = &t[1..];
            }
            b'[' => {
                let Some(&c) = t.first() else { return false };
                p = &p[1..];
                let negate = p.first() == Some(&b'^');
                if negate {
                    p = &p[1..];
                }
                let mut hit = false;
                loop {
                    match p.first() {
                        None => break,
                        Some(b']') => break,
                        Some(b'\\') if p.len() >= 2 => {
                            if eq(p[1], c, nocase) {
                                hit = true;
                            }
                            p = &p[2..];
                        }
                        Some(_) if p.len() >= 3 && p[1] == b'-' => {
                            let (mut lo, mut hi) = (p[0], p[2]);
                            if lo > hi {
                                std::mem::swap(&mut lo, &mut hi);
                            }
                            let (c2, lo2, hi2) = if nocase {
                                (
                                    c.to_ascii_lowercase(),
                                    lo.to_ascii_lowercase(),
                                    hi.to_ascii_lowercase(),
                                )
                            } else {
                                (c, lo, hi)
                            };
                            if c2 >= lo2 && c2 <= hi2 {
                                hit = true;
                            }
                            p = &p[3..];
                        }
                        Some(&x) => {
                            if eq(x, c, nocase) {
                                hit = true;
                            }
                            p = &p[1..];
                        }
                    }
                }
                if hit == negate {
                    return false;
                }
                t = &t[1..];
                if p.is_empty() {
                    // Unclosed bracket: Redis treats the end of the pattern as its end.
                    return t.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                match t.first() {
                    Some(&c) if eq(p[0], c, nocase) => t = &t[1..],
                    _ => return false,
                }
            }
            _ => match t.first() {
                Some(&c) if eq(pc, c, nocase) => t = &t[1..],
                _ => return false,
            },
        }
        p = &p[1..];
    }
    t.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn redis_glob_cases() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything", true),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h*llo", "heeeello", true),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hallo", true),
            ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("key:*", "key:1", true),
            ("[abc", "a", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(
                glob_match(p.as_bytes(), t.as_bytes(), false),
                *want,
                "{p} vs {t}"
            );
        }
        assert!(glob_match(b"HELLO", b"hello", true));
        assert!(!glob_match(b"HELLO", b"hello", false));
    }

    #[test]
    fn pathological_patterns_are_fast_and_still_right() {
        let p = "*a".repeat(30) + "*b";
        let t = "a".repeat(60);
        // Exponential matching would not finish these at all.
        assert!(!glob_match(p.as_bytes(), t.as_bytes(), false));
        assert!(glob_match(
            p.as_bytes(),
            (t.clone() + "b").as_bytes(),
            false
        ));
        assert!(glob_match(b"*x*y*z", b"axbyczz", false));
        assert!(!glob_match(b"*x*y*z", b"axbycz_", false));
    }
}
