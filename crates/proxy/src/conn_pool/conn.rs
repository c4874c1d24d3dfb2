//! [`BackendConn`]: one kept-alive TCP connection to a backend with its read buffer, the
//! unit the idle pools keep. It knows nothing of HTTP or of targets.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::BytesMut;
use tokio::net::TcpStream;

/// Read buffer reserved at a time; grows for large bodies up to [`MAX_READ`].
const READ_SIZE: usize = 8 * 1024;
const MAX_READ: usize = 256 * 1024;

/// One kept-alive connection to a backend and the bytes read from it but not yet used.
#[derive(Debug)]
pub(crate) struct BackendConn {
    pub(crate) stream: TcpStream,
    pub(crate) buf: BytesMut,
    read_size: usize,
}

impl BackendConn {
    pub(crate) async fn dial(addr: SocketAddr, timeout: Duration) -> io::Result<BackendConn> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(s) => s?,
            Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
        };
        let _ = stream.set_nodelay(true);
        Ok(BackendConn {
            stream,
            buf: BytesMut::new(),
            read_size: READ_SIZE,
        })
    }

    /// True if this idle connection can carry a request: the backend has neither closed it
    /// nor sent anything unasked. Costs a system call only when the socket shows activity.
    pub(crate) fn is_usable(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            Poll::Ready(Ok(())) => matches!(
                self.stream.try_read(&mut [0u8; 1]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock
            ),
        }
    }

    /// Ready to go back to the pool: drop a buffer grown by a large body.
    pub(crate) fn reset_for_idle(&mut self) {
        if self.buf.capacity() > READ_SIZE {
            self.buf = BytesMut::new();
        }
        self.read_size = READ_SIZE;
    }

    /// Read more into the buffer; Ready(Ok(0)) at end of stream.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < self.read_size / 4 {
            self.buf.reserve(self.read_size);
        }
        let spare = self.buf.capacity() - self.buf.len();
        let n = std::task::ready!(tokio_util::io::poll_read_buf(
            std::pin::Pin::new(&mut self.stream),
            cx,
            &mut self.buf
        ))?;
        // A read that filled the buffer suggests a large body: read more at a time.
        if n == spare && self.read_size < MAX_READ {
            self.read_size *= 2;
        }
        Poll::Ready(Ok(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// A dialed connection and the backend's end of it.
    async fn pair() -> (BackendConn, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (conn, accepted) = tokio::join!(
            BackendConn::dial(addr, Duration::from_secs(1)),
            listener.accept()
        );
        (conn.unwrap(), accepted.unwrap().0)
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    #[tokio::test]
    async fn idle_connections_are_usable_until_the_backend_closes_or_speaks() {
        let (mut quiet, _kept) = pair().await;
        settle().await;
        assert!(quiet.is_usable(), "an open, silent connection");
        assert!(quiet.is_usable(), "checking does not use it up");

        let (mut closed, backend) = pair().await;
        drop(backend);
        settle().await;
        assert!(!closed.is_usable(), "the backend closed it");

        let (mut chatty, mut backend) = pair().await;
        backend
            .write_all(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
            .await
            .unwrap();
        settle().await;
        assert!(!chatty.is_usable(), "the backend sent something unasked");
    }

    #[tokio::test]
    async fn refused_dial_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert!(
            BackendConn::dial(addr, Duration::from_secs(1))
                .await
                .is_err()
        );
    }
}
