//! The request side of a backend exchange: the head in HTTP/1.1 wire form (encoded once per
//! request, reused by a retry), and the [`Upload`] that writes it and then streams the
//! client's body, length-delimited or chunked, without copying the body's bytes.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::Method;
use http::header;
use http_body::Body;
use tokio::io::AsyncWrite;
use tokio::net::TcpStream;

use crate::head::Head;
use crate::headers::ProxyHeaders;
use crate::request_body::{BodySlot, RequestBody};

/// How the request body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body.
    Empty,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked` (the length is not known up front).
    Chunked,
}

/// A request ready to be written to any backend connection.
#[derive(Debug)]
pub(crate) struct Outgoing {
    head: Bytes,
    framing: BodyFraming,
    /// HEAD: the response has no body whatever its headers say.
    pub(crate) is_head: bool,
    /// The method is idempotent, so the request may be sent again if a kept-alive
    /// connection turns out to have been closed before it answered anything.
    pub(crate) idempotent: bool,
}

impl BodyFraming {
    /// The framing that fits the client's body in `slot`.
    pub(crate) fn of(slot: &BodySlot) -> BodyFraming {
        if slot.is_end_stream() {
            BodyFraming::Empty
        } else {
            slot.exact_len()
                .map_or(BodyFraming::Chunked, BodyFraming::Length)
        }
    }
}

impl Outgoing {
    /// Encode `METHOD PATH HTTP/1.1`, the client's headers with the proxy's in place of the
    /// ones it replaces, and the header of `framing`.
    pub(crate) fn new(head: &Head, framing: BodyFraming) -> Outgoing {
        let (method, path, headers) = (&head.method, &head.path_and_query, &head.headers);
        let fields = head.proxy.fields();
        // Enough for a typical head; grows for more.
        let mut w = BytesMut::with_capacity(512 + path.as_str().len());
        w.put_slice(method.as_str().as_bytes());
        w.put_u8(b' ');
        w.put_slice(path.as_str().as_bytes());
        w.put_slice(b" HTTP/1.1\r\n");
        let client = headers.iter().filter(|(name, _)| {
            // The framing headers are ours to write (Transfer-Encoding is hop-by-hop and
            // already gone).
            *name != header::CONTENT_LENGTH && !ProxyHeaders::replaces(name)
        });
        for (name, value) in client.chain(fields) {
            w.put_slice(name.as_str().as_bytes());
            w.put_slice(b": ");
            w.put_slice(value.as_bytes());
            w.put_slice(b"\r\n");
        }
        match framing {
            // A client that said `Content-Length: 0` (a POST, say) gets it passed on.
            BodyFraming::Empty if headers.contains_key(header::CONTENT_LENGTH) => {
                w.put_slice(b"content-length: 0\r\n");
            }
            BodyFraming::Empty => {}
            BodyFraming::Length(n) => {
                w.put_slice(b"content-length: ");
                w.put_slice(n.to_string().as_bytes());
                w.put_slice(b"\r\n");
            }
            BodyFraming::Chunked => w.put_slice(b"transfer-encoding: chunked\r\n"),
        }
        w.put_slice(b"\r\n");
        Outgoing {
            head: w.freeze(),
            framing,
            is_head: method == Method::HEAD,
            idempotent: matches!(
                *method,
                Method::GET
                    | Method::HEAD
                    | Method::OPTIONS
                    | Method::TRACE
                    | Method::PUT
                    | Method::DELETE
            ),
        }
    }

    /// The upload of this request (head, then the body read from `slot`) for one attempt.
    pub(crate) fn upload(&self, slot: &BodySlot) -> Upload {
        let mut queue = WriteQueue::default();
        queue.push(self.head.clone());
        Upload {
            queue,
            body: (self.framing != BodyFraming::Empty).then(|| Box::new(slot.body())),
            framing: self.framing,
            sent: 0,
        }
    }
}

/// Why an upload stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    /// The client's body failed (the client went away mid-body, say).
    #[error("reading the client's request body failed: {0}")]
    Client(hyper::Error),
    /// The client's body did not match its announced length.
    #[error("the client's request body did not match its length")]
    Length,
    /// The backend connection refused more bytes.
    #[error("writing to the backend failed: {0}")]
    Write(io::Error),
}

/// Writes one request to a backend connection, as far as the connection and the
/// client's body allow at each poll.
#[derive(Debug)]
pub(crate) struct Upload {
    queue: WriteQueue,
    /// The client's body, until it has ended (boxed: most requests have none).
    body: Option<Box<RequestBody>>,
    framing: BodyFraming,
    /// Body bytes taken so far.
    sent: u64,
}

impl Upload {
    /// True once the whole request has been written.
    pub(crate) fn is_done(&self) -> bool {
        self.body.is_none() && self.queue.is_empty()
    }

    /// Make progress: gather what the client's body has ready (so that the head and a small
    /// body go out in one write), then write. Ready(Ok) once everything has been written.
    pub(crate) fn poll(
        &mut self,
        io: &mut TcpStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), UploadError>> {
        loop {
            if self.body.is_some() && self.queue.room() >= 3 {
                match self.poll_body(cx) {
                    Poll::Ready(Ok(())) => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            if self.queue.is_empty() {
                return if self.body.is_none() {
                    Poll::Ready(Ok(()))
                } else {
                    Poll::Pending
                };
            }
            ready!(self.queue.poll_write(io, cx)).map_err(UploadError::Write)?;
        }
    }

    /// Take the next frame of the client's body into the write queue (framed); Ready(Ok)
    /// if something was taken or the body ended.
    fn poll_body(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), UploadError>> {
        let Some(body) = self.body.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        match ready!(Pin::new(&mut **body).poll_frame(cx)) {
            Some(Ok(frame)) => {
                // Trailers are not forwarded.
                if let Ok(data) = frame.into_data()
                    && !data.is_empty()
                {
                    self.sent += data.len() as u64;
                    match self.framing {
                        BodyFraming::Chunked => {
                            let mut line = BytesMut::with_capacity(20);
                            line.put_slice(format!("{:x}\r\n", data.len()).as_bytes());
                            self.queue.push(line.freeze());
                            self.queue.push(data);
                            self.queue.push(Bytes::from_static(b"\r\n"));
                        }
                        BodyFraming::Length(n) if self.sent > n => {
                            return Poll::Ready(Err(UploadError::Length));
                        }
                        _ => self.queue.push(data),
                    }
                }
                // All of the announced length has come: the body is done now. The client
                // connection may hold the end-of-body signal back until its next request
                // (HTTP/1 does once the response has already been sent), and the upload
                // must not wait for it.
                if self.framing == BodyFraming::Length(self.sent) {
                    return Poll::Ready(self.end_body());
                }
                Poll::Ready(Ok(()))
            }
            Some(Err(e)) => Poll::Ready(Err(UploadError::Client(e))),
            None => Poll::Ready(self.end_body()),
        }
    }

    /// The client's body has ended: queue the end of the chunked framing, or check that
    /// the announced length was sent.
    fn end_body(&mut self) -> Result<(), UploadError> {
        self.body = None;
        match self.framing {
            BodyFraming::Chunked => self.queue.push(Bytes::from_static(b"0\r\n\r\n")),
            BodyFraming::Length(n) if self.sent != n => return Err(UploadError::Length),
            _ => {}
        }
        Ok(())
    }
}

/// Buffers waiting to be written, in order: gathered into one vectored write.
#[derive(Debug, Default)]
struct WriteQueue {
    parts: [Bytes; 4],
    len: usize,
}

impl WriteQueue {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn room(&self) -> usize {
        self.parts.len() - self.len
    }

    /// Callers check [`WriteQueue::room`] first (a body frame takes at most three parts).
    fn push(&mut self, part: Bytes) {
        debug_assert!(self.len < self.parts.len(), "write queue overflow");
        if let Some(slot) = self.parts.get_mut(self.len) {
            *slot = part;
            self.len += 1;
        }
    }

    /// Write until empty (Ready(Ok)), the socket is full (Pending) or it fails.
    fn poll_write(&mut self, io: &mut TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.len > 0 {
            let slices: [IoSlice<'_>; 4] = std::array::from_fn(|i| IoSlice::new(&self.parts[i]));
            let n = ready!(Pin::new(&mut *io).poll_write_vectored(cx, &slices[..self.len]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.advance(n);
        }
        Poll::Ready(Ok(()))
    }

    fn advance(&mut self, mut n: usize) {
        while n > 0 && self.len > 0 {
            let first = self.parts[0].len();
            if n < first {
                self.parts[0].advance(n);
                return;
            }
            n -= first;
            self.parts[..self.len].rotate_left(1);
            self.len -= 1;
            self.parts[self.len] = Bytes::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::uri::PathAndQuery;
    use http::{HeaderMap, HeaderValue};

    const PROXY: &str = "host: a.test\r\nx-forwarded-for: 10.1.1.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a.test\r\nx-request-id: id\r\n";

    fn head(method: Method, headers: &[(&'static str, &'static str)]) -> Head {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_static(v));
        }
        let proxy = ProxyHeaders::new(
            &map,
            HeaderValue::from_static("a.test"),
            &HeaderValue::from_static("10.1.1.1"),
            "http",
            HeaderValue::from_static("id"),
        );
        Head {
            method,
            path_and_query: PathAndQuery::from_static("/a/b?c=d"),
            headers: map,
            proxy,
        }
    }

    fn encoded(
        method: Method,
        headers: &[(&'static str, &'static str)],
        framing: BodyFraming,
    ) -> String {
        let out = Outgoing::new(&head(method, headers), framing);
        String::from_utf8(out.head.to_vec()).unwrap()
    }

    #[test]
    fn heads_carry_every_header_and_our_own_framing() {
        assert_eq!(
            encoded(
                Method::GET,
                &[
                    ("host", "b.test"),
                    ("x-a", "1"),
                    ("x-a", "2"),
                    ("x-request-id", "old"),
                    ("expect", "100-continue")
                ],
                BodyFraming::Empty
            ),
            format!("GET /a/b?c=d HTTP/1.1\r\nx-a: 1\r\nx-a: 2\r\n{PROXY}\r\n")
        );
        assert_eq!(
            encoded(Method::POST, &[("content-length", "0")], BodyFraming::Empty),
            format!("POST /a/b?c=d HTTP/1.1\r\n{PROXY}content-length: 0\r\n\r\n")
        );
        assert_eq!(
            encoded(
                Method::PUT,
                &[("content-length", "12")],
                BodyFraming::Length(12)
            ),
            format!("PUT /a/b?c=d HTTP/1.1\r\n{PROXY}content-length: 12\r\n\r\n")
        );
        assert_eq!(
            encoded(
                Method::POST,
                &[("content-length", "3")],
                BodyFraming::Chunked
            ),
            format!("POST /a/b?c=d HTTP/1.1\r\n{PROXY}transfer-encoding: chunked\r\n\r\n"),
            "a length that the body does not promise is not passed on"
        );
    }

    #[test]
    fn only_idempotent_methods_may_be_resent() {
        for (m, idempotent) in [
            (Method::GET, true),
            (Method::PUT, true),
            (Method::POST, false),
            (Method::PATCH, false),
        ] {
            assert_eq!(
                Outgoing::new(&head(m.clone(), &[]), BodyFraming::Empty).idempotent,
                idempotent,
                "{m}"
            );
        }
        assert!(Outgoing::new(&head(Method::HEAD, &[]), BodyFraming::Empty).is_head);
    }

    #[test]
    fn write_queue_advances_across_parts() {
        let mut q = WriteQueue::default();
        q.push(Bytes::from_static(b"abc"));
        q.push(Bytes::from_static(b"de"));
        q.push(Bytes::from_static(b"fgh"));
        assert_eq!(q.room(), 1);
        q.advance(4);
        assert_eq!(q.len, 2);
        assert_eq!(&q.parts[0][..], b"e");
        assert_eq!(&q.parts[1][..], b"fgh");
        q.advance(4);
        assert!(q.is_empty());
        assert_eq!(q.room(), 4);
    }
}
