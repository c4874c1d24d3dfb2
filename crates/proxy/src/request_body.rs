//! The client's request body on its way to a backend: `RequestBody` streams it and can be
//! handed to a second backend if the first was never reached. The slot counts the bytes
//! read from the client, for the traffic counters.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

/// The client's request body, parked until a backend connection first polls it.
#[derive(Debug, Clone)]
pub(crate) struct BodySlot {
    inner: Arc<Shared>,
    end_stream: bool,
    hint: SizeHint,
}

/// What every attempt's body shares: the client body until one takes it, and the bytes read.
#[derive(Debug)]
struct Shared {
    body: Mutex<Option<Incoming>>,
    read: AtomicU64,
}

impl BodySlot {
    pub(crate) fn new(body: Incoming) -> Self {
        BodySlot {
            end_stream: body.is_end_stream(),
            hint: body.size_hint(),
            inner: Arc::new(Shared {
                body: Mutex::new(Some(body)),
                read: AtomicU64::new(0),
            }),
        }
    }

    /// A body reading from this slot; it takes the client body on its first poll.
    pub(crate) fn body(&self) -> RequestBody {
        RequestBody {
            slot: self.clone(),
            taken: None,
        }
    }

    /// True when the client sent no body.
    pub(crate) fn is_end_stream(&self) -> bool {
        self.end_stream
    }

    /// The body's length, when the client announced it.
    pub(crate) fn exact_len(&self) -> Option<u64> {
        self.hint.exact()
    }

    /// True while no attempt has started reading the client body, so a retry is safe.
    pub(crate) fn untouched(&self) -> bool {
        self.end_stream || self.inner.body.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// How many bytes of the client's body have been read so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.inner.read.load(Ordering::Relaxed)
    }
}

/// Request body sent to a backend; see [`BodySlot`].
#[derive(Debug)]
pub(crate) struct RequestBody {
    slot: BodySlot,
    taken: Option<Incoming>,
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if this.taken.is_none() {
            if this.slot.end_stream {
                return Poll::Ready(None);
            }
            let taken = this.slot.inner.body.lock().ok().and_then(|mut g| g.take());
            match taken {
                Some(b) => this.taken = Some(b),
                // Another attempt already consumed it: nothing more to send.
                None => return Poll::Ready(None),
            }
        }
        let Some(body) = this.taken.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.slot
                .inner
                .read
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.taken {
            Some(b) => b.is_end_stream(),
            None => self.slot.end_stream,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.taken {
            Some(b) => b.size_hint(),
            None => self.slot.hint,
        }
    }
}
