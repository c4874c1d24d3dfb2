//! Parsing a backend's response head (httparse) into `http` types, and deciding how its
//! body is framed and whether the connection may carry another request (RFC 9112 §6.3, §9.3).
//! Header values share the bytes read from the socket instead of being copied.

use std::mem::MaybeUninit;

use bytes::BytesMut;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{StatusCode, Version};

/// Most header fields a response head may have.
const MAX_HEADERS: usize = 100;
/// Largest response head accepted, in bytes.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// Why a response head was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HeadError {
    #[error("malformed response head: {0}")]
    Parse(#[from] httparse::Error),
    #[error("response head larger than {MAX_HEAD} bytes")]
    TooLarge,
    #[error("invalid header {0:?} in response")]
    Header(String),
    #[error("invalid Content-Length in response")]
    ContentLength,
    #[error("unexpected 101 Switching Protocols")]
    UnexpectedSwitch,
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body (HEAD, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the backend closes the connection.
    Close,
}

/// A parsed final response head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) framing: Framing,
    /// The backend keeps the connection open after this response.
    pub(crate) keep_alive: bool,
}

/// Parse the head at the front of `buf`, taking it off the buffer. `Ok(None)`: incomplete,
/// read more. Interim (1xx) responses are skipped. `request_was_head`: the request was a
/// HEAD, so the response has no body whatever its headers say.
pub(crate) fn parse(
    buf: &mut BytesMut,
    request_was_head: bool,
) -> Result<Option<ResponseHead>, HeadError> {
    loop {
        let Some(head) = parse_one(buf, request_was_head)? else {
            return Ok(None);
        };
        if !head.status.is_informational() {
            return Ok(Some(head));
        }
        if head.status == StatusCode::SWITCHING_PROTOCOLS {
            return Err(HeadError::UnexpectedSwitch);
        }
    }
}

fn parse_one(
    buf: &mut BytesMut,
    request_was_head: bool,
) -> Result<Option<ResponseHead>, HeadError> {
    let mut fields = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut fields,
    )? {
        httparse::Status::Complete(len) if len > MAX_HEAD => return Err(HeadError::TooLarge),
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial if buf.len() >= MAX_HEAD => return Err(HeadError::TooLarge),
        httparse::Status::Partial => return Ok(None),
    };
    // Names now; values once the head is split off, as slices of it (so they share its bytes).
    let base = buf.as_ptr() as usize;
    let mut named = Vec::with_capacity(response.headers.len());
    for field in response.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| HeadError::Header(field.name.to_owned()))?;
        let start = field.value.as_ptr() as usize - base;
        named.push((name, start, start + field.value.len()));
    }
    let code = response.code.unwrap_or(0);
    let minor = response.version.unwrap_or(1);
    let raw = buf.split_to(len).freeze();
    // Room for what the proxy adds (X-Request-Id, HSTS) without growing the map.
    let mut headers = HeaderMap::with_capacity(named.len() + 2);
    for (name, start, end) in named {
        let value = HeaderValue::from_maybe_shared(raw.slice(start..end))
            .map_err(|_| HeadError::Header(name.as_str().to_owned()))?;
        headers.append(name, value);
    }
    let status = StatusCode::from_u16(code).map_err(|_| httparse::Error::Status)?;
    let version = if minor == 0 {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let framing = framing(&headers, status, request_was_head)?;
    let keep_alive = keep_alive(&headers, version) && framing != Framing::Close;
    // A message with both Transfer-Encoding and Content-Length is suspect: never reuse.
    let keep_alive = keep_alive
        && !(headers.contains_key(header::TRANSFER_ENCODING)
            && headers.contains_key(header::CONTENT_LENGTH));
    Ok(Some(ResponseHead {
        status,
        version,
        headers,
        framing,
        keep_alive,
    }))
}

/// RFC 9112 §6.3, for a response to a request that was not CONNECT.
fn framing(
    headers: &HeaderMap,
    status: StatusCode,
    request_was_head: bool,
) -> Result<Framing, HeadError> {
    if request_was_head
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Ok(Framing::Empty);
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        let last = headers
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|t| !t.is_empty());
        return Ok(match last {
            Some(t) if t.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::Close,
        });
    }
    let mut length = None;
    for value in headers.get_all(header::CONTENT_LENGTH) {
        for part in value.as_bytes().split(|b| *b == b',') {
            let n = parse_length(part.trim_ascii()).ok_or(HeadError::ContentLength)?;
            if length.is_some_and(|l| l != n) {
                return Err(HeadError::ContentLength);
            }
            length = Some(n);
        }
    }
    Ok(match length {
        Some(0) => Framing::Empty,
        Some(n) => Framing::Length(n),
        None => Framing::Close,
    })
}

fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
fn keep_alive(headers: &HeaderMap, version: Version) -> bool {
    let mut close = false;
    let mut keep = false;
    for token in headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
    {
        close |= token.eq_ignore_ascii_case("close");
        keep |= token.eq_ignore_ascii_case("keep-alive");
    }
    !close && (version == Version::HTTP_11 || keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(head: &str) -> BytesMut {
        BytesMut::from(head.as_bytes())
    }

    fn parsed(head: &str) -> ResponseHead {
        parse(&mut buf(head), false).unwrap().unwrap()
    }

    #[test]
    fn parses_status_headers_and_leaves_the_body() {
        let mut b =
            buf("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello");
        let h = parse(&mut b, false).unwrap().unwrap();
        assert_eq!(h.status, StatusCode::CREATED);
        assert_eq!(h.version, Version::HTTP_11);
        assert_eq!(h.framing, Framing::Length(5));
        assert!(h.keep_alive);
        let all: Vec<_> = h.headers.get_all("x-a").iter().collect();
        assert_eq!(all, ["1", "2"]);
        assert_eq!(&b[..], b"hello");
    }

    #[test]
    fn partial_heads_wait_and_huge_ones_are_refused() {
        let mut b = buf("HTTP/1.1 200 OK\r\nContent-Le");
        assert!(parse(&mut b, false).unwrap().is_none());
        assert_eq!(b.len(), 27, "nothing taken from an incomplete head");
        let mut big = buf(&format!("HTTP/1.1 200 OK\r\nx: {}", "a".repeat(MAX_HEAD)));
        assert!(matches!(parse(&mut big, false), Err(HeadError::TooLarge)));
        let too_many = format!(
            "HTTP/1.1 200 OK\r\n{}\r\n",
            "x: 1\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(
            parse(&mut buf(&too_many), false),
            Err(HeadError::Parse(httparse::Error::TooManyHeaders))
        ));
        assert!(matches!(
            parse(&mut buf("HTTP/1.1 abc\r\n\r\n"), false),
            Err(HeadError::Parse(_))
        ));
    }

    #[test]
    fn interim_responses_are_skipped() {
        let mut b = buf(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        );
        let h = parse(&mut b, false).unwrap().unwrap();
        assert_eq!(h.status, StatusCode::OK);
        assert!(b.is_empty());
        assert!(matches!(
            parse(&mut buf("HTTP/1.1 101 Switching Protocols\r\n\r\n"), false),
            Err(HeadError::UnexpectedSwitch)
        ));
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                Framing::Chunked,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Framing::Chunked,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Framing::Close,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                Framing::Chunked,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n",
                Framing::Length(7),
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                Framing::Empty,
            ),
            (
                "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n",
                Framing::Empty,
            ),
            (
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                Framing::Empty,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", Framing::Close),
        ];
        for (head, framing) in cases {
            assert_eq!(parsed(head).framing, framing, "{head}");
        }
        let h = parse(
            &mut buf("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"),
            true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.framing, Framing::Empty, "a HEAD response has no body");
        for bad in ["7, 8", "-1", "abc", "", "99999999999999999999"] {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {bad}\r\n\r\n");
            assert!(
                matches!(parse(&mut buf(&head), false), Err(HeadError::ContentLength)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        assert!(parsed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
        assert!(
            !parsed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive
        );
        assert!(!parsed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
        assert!(
            parsed("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
                .keep_alive
        );
        assert!(
            !parsed("HTTP/1.1 200 OK\r\n\r\n").keep_alive,
            "read-until-close"
        );
        assert!(
            !parsed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
                .keep_alive
        );
    }

    #[test]
    fn damaged_or_random_heads_are_an_error_or_more_wanted_never_a_panic() {
        let heads = [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"[..],
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for round in 0..3000 {
            let mut bytes: Vec<u8> = if round % 3 == 2 {
                (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect()
            } else {
                heads[round % 3].to_vec()
            };
            for _ in 0..rng.usize(1..4) {
                if !bytes.is_empty() {
                    let at = rng.usize(..bytes.len());
                    bytes[at] = rng.u8(..);
                }
            }
            let mut buf = BytesMut::from(&bytes[..]);
            if let Ok(Some(head)) = parse(&mut buf, rng.bool()) {
                // A parsed head was taken off the buffer, and its status is final.
                assert!(buf.len() < bytes.len());
                assert!(!head.status.is_informational());
            }
        }
    }
}
