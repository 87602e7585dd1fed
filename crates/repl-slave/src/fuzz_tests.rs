//! Arbitrary bytes in arbitrary splits: the link must never panic, never leave consumable
//! input behind, and never hand out more payload than announced.

use bytes::BytesMut;

use crate::*;

/// xorshift64*: deterministic, so a failure is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const MARK: &str = "e8bba8f2c6d1b7a5bfd2a4c3b1e6d4f7a9c2b3d1";

/// Pieces that real masters send, so random sequences reach the deeper states often.
fn fragments() -> Vec<Vec<u8>> {
    let id = "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";
    [
        "+PONG\r\n".to_owned(),
        "+OK\r\n".to_owned(),
        "\n".to_owned(),
        "\r\n".to_owned(),
        "-ERR unknown command 'PSYNC'\r\n".to_owned(),
        "-NOAUTH Authentication required.\r\n".to_owned(),
        "-LOADING x\r\n".to_owned(),
        format!("+FULLRESYNC {id} 17\r\n"),
        "+CONTINUE\r\n".to_owned(),
        format!("+CONTINUE {id}\r\n"),
        "$5\r\n".to_owned(),
        "$0\r\n".to_owned(),
        format!("$EOF:{MARK}\r\n"),
        MARK.to_owned(),
        MARK[..20].to_owned(),
        MARK[20..].to_owned(),
        "REDIS0011".to_owned(),
        "*1\r\n$4\r\nPING\r\n".to_owned(),
        "$".to_owned(),
        "+".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn random_wire(rng: &mut Rng, fragments: &[Vec<u8>]) -> Vec<u8> {
    let mut wire = Vec::new();
    for _ in 0..rng.below(24) {
        if rng.below(3) == 0 {
            for _ in 0..rng.below(16) {
                wire.push(rng.next() as u8);
            }
        } else {
            wire.extend(&fragments[rng.below(fragments.len())]);
        }
    }
    wire
}

fn random_config(rng: &mut Rng) -> LinkConfig {
    LinkConfig {
        listening_port: rng.next() as u16,
        auth: (rng.below(2) == 0).then(|| Auth {
            user: (rng.below(2) == 0).then(|| "u".to_owned()),
            password: "p".to_owned(),
        }),
        history: (rng.below(2) == 0).then_some((ReplId::ZERO, rng.next())),
        try_psync2: rng.below(2) == 0,
    }
}

#[test]
fn arbitrary_input_never_panics_or_stalls() {
    let fragments = fragments();
    for seed in 1..4000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let wire = random_wire(&mut rng, &fragments);
        let mut link = MasterLink::new(random_config(&mut rng));
        link.connected();
        let mut input = BytesMut::new();
        let mut rest = &wire[..];
        let mut announced: Option<u64> = None;
        let mut payload_bytes = 0u64;
        while !rest.is_empty() {
            let take = 1 + rng.below(rest.len().min(64));
            input.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            let events = match link.receive(&mut input) {
                Ok(events) => events,
                Err(_) => {
                    assert_eq!(link.state(), LinkState::Failed, "seed {seed}");
                    break;
                }
            };
            for event in events {
                match event {
                    Event::PayloadStart { len } => announced = len,
                    Event::PayloadChunk(chunk) => {
                        assert!(!chunk.is_empty(), "seed {seed}");
                        payload_bytes += chunk.len() as u64;
                    }
                    Event::Stream(chunk) => assert!(!chunk.is_empty(), "seed {seed}"),
                    _ => {}
                }
            }
            if let Some(len) = announced {
                assert!(payload_bytes <= len, "seed {seed}");
            }
            match link.state() {
                LinkState::Failed => {
                    assert_eq!(link.receive(&mut input), Err(SlaveError::LinkDown));
                    break;
                }
                // Whatever is left must be an incomplete line.
                LinkState::Handshaking(_)
                | LinkState::WaitingPsyncReply(_)
                | LinkState::WaitingPayload => {
                    assert!(!input.contains(&b'\n'), "seed {seed}: {input:?}");
                }
                LinkState::ReceivingPayload { .. } | LinkState::Streaming => {
                    assert!(input.is_empty(), "seed {seed}");
                }
            }
        }
    }
}

#[test]
fn pure_noise_never_panics() {
    for seed in 1..2000u64 {
        let mut rng = Rng(seed);
        let mut link = MasterLink::new(random_config(&mut rng));
        link.connected();
        let mut input = BytesMut::new();
        for _ in 0..rng.below(40) {
            for _ in 0..rng.below(32) {
                input.extend_from_slice(&[rng.next() as u8]);
            }
            if link.receive(&mut input).is_err() || link.state() == LinkState::Failed {
                break;
            }
        }
    }
}
