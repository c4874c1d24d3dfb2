//! Decoding a backend's chunked response body (RFC 9112 §7.1) from the connection's read
//! buffer as it arrives: chunk data is split off the buffer without copying, chunk
//! extensions and trailers are checked for size and dropped.

use bytes::{Buf, Bytes, BytesMut};

/// Hex digits of a chunk size (16 fill a `u64`).
const MAX_SIZE_DIGITS: u8 = 16;
/// Bytes of chunk extensions allowed over the whole body.
const MAX_EXTENSIONS: usize = 4096;
/// Bytes of trailer fields allowed.
const MAX_TRAILERS: usize = 16 * 1024;

/// Why a chunked body could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ChunkedError {
    #[error("invalid chunk size line")]
    Size,
    #[error("chunk size too large")]
    SizeTooLarge,
    #[error("chunk data not followed by CRLF")]
    DataEnd,
    #[error("chunk extensions too long")]
    Extensions,
    #[error("invalid or too long trailer section")]
    Trailers,
}

/// What one call to [`ChunkedDecoder::decode`] produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// Body bytes, taken off the front of the buffer.
    Data(Bytes),
    /// The buffer holds no more of the body: read more.
    NeedMore,
    /// The last chunk and the trailer section have been read.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex digits of a chunk size.
    Size {
        size: u64,
        digits: u8,
    },
    /// Skipping a chunk extension up to the CR.
    Extension {
        size: u64,
    },
    /// Expecting the LF that ends a size line.
    SizeLf {
        size: u64,
    },
    /// Inside a chunk's data.
    Data {
        remaining: u64,
    },
    DataCr,
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    TrailerStart,
    /// Inside a trailer line, up to its CR.
    Trailer,
    TrailerLf,
    /// Expecting the LF of the final empty line.
    EndLf,
    Done,
}

/// The decoder's position in a chunked body.
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: State,
    extensions: usize,
    trailers: usize,
}

impl ChunkedDecoder {
    pub(crate) fn new() -> Self {
        ChunkedDecoder {
            state: State::Size { size: 0, digits: 0 },
            extensions: 0,
            trailers: 0,
        }
    }

    /// Consume what `buf` holds of the body: the next run of data, or the framing up to the
    /// point where more bytes are needed.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, ChunkedError> {
        loop {
            if let State::Data { remaining } = self.state {
                if buf.is_empty() {
                    return Ok(Decoded::NeedMore);
                }
                let n = usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()));
                let left = remaining - n as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data { remaining: left }
                };
                return Ok(Decoded::Data(buf.split_to(n).freeze()));
            }
            if self.state == State::Done {
                return Ok(Decoded::Done);
            }
            let Some(&byte) = buf.first() else {
                return Ok(Decoded::NeedMore);
            };
            buf.advance(1);
            self.state = self.step(byte)?;
        }
    }

    /// The state after one framing byte.
    fn step(&mut self, byte: u8) -> Result<State, ChunkedError> {
        Ok(match self.state {
            State::Size { size, digits } => match byte {
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                    if digits == MAX_SIZE_DIGITS {
                        return Err(ChunkedError::SizeTooLarge);
                    }
                    let digit = u64::from(hex_value(byte));
                    State::Size {
                        size: size << 4 | digit,
                        digits: digits + 1,
                    }
                }
                _ if digits == 0 => return Err(ChunkedError::Size),
                b';' | b' ' | b'\t' => State::Extension { size },
                b'\r' => State::SizeLf { size },
                _ => return Err(ChunkedError::Size),
            },
            State::Extension { size } => match byte {
                b'\r' => State::SizeLf { size },
                b'\n' => return Err(ChunkedError::Size),
                _ => {
                    self.extensions += 1;
                    if self.extensions > MAX_EXTENSIONS {
                        return Err(ChunkedError::Extensions);
                    }
                    State::Extension { size }
                }
            },
            State::SizeLf { size } => match byte {
                b'\n' if size == 0 => State::TrailerStart,
                b'\n' => State::Data { remaining: size },
                _ => return Err(ChunkedError::Size),
            },
            State::DataCr => match byte {
                b'\r' => State::DataLf,
                _ => return Err(ChunkedError::DataEnd),
            },
            State::DataLf => match byte {
                b'\n' => State::Size { size: 0, digits: 0 },
                _ => return Err(ChunkedError::DataEnd),
            },
            State::TrailerStart => match byte {
                b'\r' => State::EndLf,
                b'\n' => return Err(ChunkedError::Trailers),
                _ => self.trailer_byte()?,
            },
            State::Trailer => match byte {
                b'\r' => State::TrailerLf,
                b'\n' => return Err(ChunkedError::Trailers),
                _ => self.trailer_byte()?,
            },
            State::TrailerLf => match byte {
                b'\n' => State::TrailerStart,
                _ => return Err(ChunkedError::Trailers),
            },
            State::EndLf => match byte {
                b'\n' => State::Done,
                _ => return Err(ChunkedError::Trailers),
            },
            // Handled by `decode` before a byte is taken.
            State::Data { .. } | State::Done => self.state,
        })
    }

    fn trailer_byte(&mut self) -> Result<State, ChunkedError> {
        self.trailers += 1;
        if self.trailers > MAX_TRAILERS {
            return Err(ChunkedError::Trailers);
        }
        Ok(State::Trailer)
    }
}

fn hex_value(byte: u8) -> u8 {
    match byte {
        b'0'..=b'9' => byte - b'0',
        b'a'..=b'f' => byte - b'a' + 10,
        _ => byte - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `input` in pieces of `step` bytes; the body, or the first error.
    fn decode_in_steps(input: &[u8], step: usize) -> Result<(Vec<u8>, bool), ChunkedError> {
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        for piece in input.chunks(step) {
            buf.extend_from_slice(piece);
            loop {
                match dec.decode(&mut buf)? {
                    Decoded::Data(d) => body.extend_from_slice(&d),
                    Decoded::NeedMore => break,
                    Decoded::Done => return Ok((body, buf.is_empty())),
                }
            }
        }
        Ok((body, false))
    }

    #[test]
    fn decodes_whole_or_byte_by_byte() {
        let input = b"5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
        for step in [1, 2, 3, 7, input.len()] {
            let (body, rest_empty) = decode_in_steps(input, step).unwrap();
            assert_eq!(body, b"hello 0123456789", "step {step}");
            assert!(rest_empty);
        }
    }

    #[test]
    fn trailers_are_read_and_dropped_and_what_follows_is_left() {
        let input = b"3\r\nabc\r\n0\r\nx-sum: 1\r\nx-other: 2\r\n\r\nHTTP/1.1";
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::from(&input[..]);
        assert_eq!(
            dec.decode(&mut buf).unwrap(),
            Decoded::Data(Bytes::from_static(b"abc"))
        );
        assert_eq!(dec.decode(&mut buf).unwrap(), Decoded::Done);
        assert_eq!(&buf[..], b"HTTP/1.1");
    }

    #[test]
    fn incomplete_body_needs_more() {
        let (body, done) = decode_in_steps(b"5\r\nhel", 100).unwrap();
        assert_eq!(body, b"hel");
        assert!(!done);
    }

    #[test]
    fn malformed_framing_is_refused() {
        for (input, err) in [
            (&b"\r\n"[..], ChunkedError::Size),
            (b"xyz\r\n", ChunkedError::Size),
            (b"5\nhello", ChunkedError::Size),
            (b"5\r\nhelloXX", ChunkedError::DataEnd),
            (b"11111111111111111\r\n", ChunkedError::SizeTooLarge),
            (b"0\r\nbad\nline\r\n\r\n", ChunkedError::Trailers),
            (b"0\r\n\rX", ChunkedError::Trailers),
        ] {
            assert_eq!(decode_in_steps(input, 1).unwrap_err(), err, "{input:?}");
        }
        let long_ext = [&b"1;"[..], &[b'x'; MAX_EXTENSIONS + 1], b"\r\n"].concat();
        assert_eq!(
            decode_in_steps(&long_ext, 64).unwrap_err(),
            ChunkedError::Extensions
        );
        let long_trailer = [&b"0\r\nx: "[..], &[b'y'; MAX_TRAILERS], b"\r\n\r\n"].concat();
        assert_eq!(
            decode_in_steps(&long_trailer, 64).unwrap_err(),
            ChunkedError::Trailers
        );
    }

    #[test]
    fn largest_size_is_taken_in_pieces() {
        let mut dec = ChunkedDecoder::new();
        let mut buf = BytesMut::from(&b"ffffffffffffffff\r\nabc"[..]);
        assert_eq!(
            dec.decode(&mut buf).unwrap(),
            Decoded::Data(Bytes::from_static(b"abc"))
        );
        assert_eq!(dec.decode(&mut buf).unwrap(), Decoded::NeedMore);
    }

    /// `data` chunked in random pieces, some with extensions, and maybe with trailers.
    fn encode(data: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let n = rng.usize(1..=rest.len().min(300));
            let size = if rng.bool() {
                format!("{n:x}")
            } else {
                format!("{n:X}")
            };
            out.extend_from_slice(size.as_bytes());
            if rng.u8(..) < 40 {
                out.extend_from_slice(b";ext=\"v\"");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&rest[..n]);
            out.extend_from_slice(b"\r\n");
            rest = &rest[n..];
        }
        out.extend_from_slice(b"0\r\n");
        if rng.bool() {
            out.extend_from_slice(b"x-trailer: 1\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    #[test]
    fn random_bodies_in_random_pieces_come_through_whole() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..300 {
            let data: Vec<u8> = (0..rng.usize(0..2000)).map(|_| rng.u8(..)).collect();
            let wire = encode(&data, &mut rng);
            let step = rng.usize(1..=wire.len());
            let (body, rest_empty) = decode_in_steps(&wire, step).unwrap();
            assert_eq!(body, data, "step {step}");
            assert!(rest_empty);
        }
    }

    #[test]
    fn damaged_or_random_input_is_an_error_or_more_wanted_never_a_panic() {
        let mut rng = fastrand::Rng::with_seed(11);
        for round in 0..2000 {
            let mut wire = if round % 2 == 0 {
                let data: Vec<u8> = (0..rng.usize(0..300)).map(|_| rng.u8(..)).collect();
                encode(&data, &mut rng)
            } else {
                (0..rng.usize(0..300)).map(|_| rng.u8(..)).collect()
            };
            for _ in 0..rng.usize(0..4) {
                if !wire.is_empty() {
                    let at = rng.usize(..wire.len());
                    wire[at] = rng.u8(..);
                }
            }
            let step = rng.usize(1..=wire.len().max(1));
            // Any outcome but a panic; a body never grows past what was sent.
            if let Ok((body, _)) = decode_in_steps(&wire, step) {
                assert!(body.len() <= wire.len());
            }
        }
    }
}
