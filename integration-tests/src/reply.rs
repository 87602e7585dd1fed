//! Typed replies for harness code that must not panic on what a server answers: [`call`] sends a
//! command and decodes its reply into a [`Frame`], and the `as_*` helpers take the shapes apart,
//! each failing with a message that names the command and shows the (escaped) reply.

use resp_codec::{decode_frame, Frame};

use crate::{escape, RawClient};

/// Renders arguments for messages: `SET "k" "v"` with every byte escaped, long ones shortened.
pub fn show_args<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter()
        .map(|a| {
            let a = a.as_ref();
            if a.len() > 60 {
                format!(
                    "\"{}...\"({} bytes)",
                    escape(a.get(..40).unwrap_or_default()),
                    a.len()
                )
            } else {
                format!("\"{}\"", escape(a))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes one complete raw reply (as [`RawClient::read_reply`] returns it).
pub fn decode(raw: &[u8]) -> Result<Frame, String> {
    let mut buf = bytes::BytesMut::from(raw);
    match decode_frame(&mut buf) {
        Ok(Some(f)) => Ok(f),
        other => Err(format!("undecodable reply {other:?}: \"{}\"", escape(raw))),
    }
}

/// Sends `args` and decodes the reply; an I/O error or an undecodable reply is an `Err`
/// naming the command and the port. An error reply (`-ERR ...`) is returned as
/// [`Frame::Error`], not as `Err`.
pub fn call<A: AsRef<[u8]>>(client: &mut RawClient, args: &[A]) -> Result<Frame, String> {
    let raw = client
        .request(args)
        .map_err(|e| format!("{} on port {}: {e}", show_args(args), client.port()))?;
    decode(&raw).map_err(|e| format!("{} on port {}: {e}", show_args(args), client.port()))
}

/// [`call`], with an error reply turned into `Err` too.
pub fn call_ok<A: AsRef<[u8]>>(client: &mut RawClient, args: &[A]) -> Result<Frame, String> {
    match call(client, args)? {
        Frame::Error(e) => Err(format!(
            "{} on port {}: error reply \"{}\"",
            show_args(args),
            client.port(),
            escape(&e)
        )),
        f => Ok(f),
    }
}

/// Sends `commands` pipelined in batches of 256 and returns every decoded reply in order (error
/// replies included as [`Frame::Error`]); an I/O error or an undecodable reply is an `Err`.
pub fn pipeline(client: &mut RawClient, commands: &[Vec<Vec<u8>>]) -> Result<Vec<Frame>, String> {
    let mut out = Vec::with_capacity(commands.len());
    for batch in commands.chunks(256) {
        let mut bytes = Vec::new();
        for cmd in batch {
            bytes.extend_from_slice(&crate::encode_command(cmd));
        }
        client
            .send_raw(&bytes)
            .map_err(|e| format!("pipeline to port {}: {e}", client.port()))?;
        for cmd in batch {
            let raw = client
                .read_reply()
                .map_err(|e| format!("{} on port {}: {e}", show_args(cmd), client.port()))?;
            out.push(decode(&raw)?);
        }
    }
    Ok(out)
}

/// A bulk or simple string's bytes.
pub fn as_bytes(frame: Frame, what: &str) -> Result<Vec<u8>, String> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => Ok(b.to_vec()),
        other => Err(format!("{what}: expected a string, got {other:?}")),
    }
}

/// An integer reply.
pub fn as_int(frame: Frame, what: &str) -> Result<i64, String> {
    match frame {
        Frame::Integer(i) => Ok(i),
        other => Err(format!("{what}: expected an integer, got {other:?}")),
    }
}

/// An array (or RESP3 set) of strings.
pub fn as_strings(frame: Frame, what: &str) -> Result<Vec<Vec<u8>>, String> {
    match frame {
        Frame::Array(items) | Frame::Set(items) => items
            .into_iter()
            .map(|i| as_bytes(i, what))
            .collect::<Result<Vec<_>, _>>(),
        other => Err(format!("{what}: expected an array, got {other:?}")),
    }
}

/// The value of `field` in an `INFO` text (`field:value` lines), if present.
pub fn info_value<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .map(str::trim)
}

/// `INFO section` as text.
pub fn info(client: &mut RawClient, section: &str) -> Result<String, String> {
    let raw = as_bytes(call_ok(client, &["INFO", section])?, "INFO")?;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_info_fields_and_shows_args() {
        let info = "# Replication\r\nrole:master\r\nmaster_repl_offset:42\r\n";
        assert_eq!(info_value(info, "master_repl_offset"), Some("42"));
        assert_eq!(info_value(info, "role"), Some("master"));
        assert_eq!(info_value(info, "master"), None);
        assert_eq!(show_args(&["SET", "a\r\n"]), "\"SET\" \"a\\r\\n\"");
        assert!(decode(b"+OK\r\n").is_ok());
        assert!(decode(b"+OK").is_err());
    }
}
