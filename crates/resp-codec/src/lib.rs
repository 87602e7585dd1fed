//! RESP (REdis Serialization Protocol) codec for ardb-rs, with no IO.
//!
//! - [`RequestDecoder`] turns a connection's receive buffer into
//!   [`Request`]s: RESP multibulk and inline (telnet) commands, incremental,
//!   zero-copy, with Redis 7.0's limits and byte-exact [`ProtocolError`]
//!   texts.
//! - [`ReplyWriter`] appends RESP2 or RESP3 replies ([`Protocol`]) exactly as
//!   Redis 7.0 encodes them; [`format_g17`] and [`format_human`] print
//!   doubles like Redis.
//! - [`decode_frame`]/[`frame_len`] parse replies into [`Frame`]s, for
//!   clients, replicas and tests.
//!
//! Everything works on [`bytes::BytesMut`]/[`bytes::Bytes`] so the server
//! can read into one buffer and hand out argument slices without copying.
//!
//! ```
//! use bytes::BytesMut;
//! use resp_codec::{Limits, Protocol, ReplyWriter, RequestDecoder};
//!
//! // Two pipelined commands, the second one inline, as read from a socket.
//! let mut input = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\nGET k\r\n"[..]);
//! let mut decoder = RequestDecoder::new(Limits::default());
//! let mut output = BytesMut::new();
//! while let Some(req) = decoder.decode(&mut input)? {
//!     let mut w = ReplyWriter::new(&mut output, Protocol::Resp2);
//!     match req.args[0].as_ref() {
//!         b"SET" => w.simple(b"OK"),
//!         b"GET" => w.bulk(b"v1"),
//!         _ => w.error("ERR unknown command"),
//!     }
//! }
//! assert!(input.is_empty());
//! assert_eq!(&output[..], b"+OK\r\n$2\r\nv1\r\n");
//! # Ok::<(), resp_codec::ProtocolError>(())
//! ```

mod double;
mod error;
mod frame;
mod frame_decoder;
mod inline;
mod limits;
mod num;
mod reply;
mod request;

pub use double::{format_g17, format_human, write_g17};
pub use error::{FrameError, ProtocolError};
pub use frame::Frame;
pub use frame_decoder::{decode_frame, frame_len, MAX_FRAME_DEPTH};
pub use inline::split_args;
pub use limits::{Limits, DEFAULT_MAX_BULK_LEN, DEFAULT_MAX_INLINE_LEN, DEFAULT_MAX_MULTIBULK_LEN};
pub use num::parse_ll as parse_integer;
pub use reply::{Protocol, ReplyWriter};
pub use request::{Request, RequestDecoder};

/// Compiles and runs the README example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
