//! The framed protocol of `POST /v1/apps/{app}/run` once the connection is upgraded
//! (`Connection: Upgrade`, `Upgrade: wharf-run`): both sides send frames of one tag byte, a
//! 4-byte big-endian length and the payload.
//!
//! Client to server: stdin data, end of stdin, TTY resize (rows, cols as two big-endian u16).
//! Server to client: stdout data, stderr data, then exactly one exit code (big-endian i32) or
//! error message, after which the server closes the connection. A client that goes away before
//! that has its command killed and its container removed.

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The `Upgrade` header value.
pub const UPGRADE_PROTOCOL: &str = "wharf-run";

/// Largest payload accepted in one frame.
const MAX_FRAME: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Stdin(Bytes),
    StdinEof,
    Resize { rows: u16, cols: u16 },
    Stdout(Bytes),
    Stderr(Bytes),
    Exit(i32),
    Error(String),
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let (tag, payload): (u8, std::borrow::Cow<'_, [u8]>) = match self {
            Frame::Stdin(data) => (0, data.as_ref().into()),
            Frame::StdinEof => (1, (&[][..]).into()),
            Frame::Resize { rows, cols } => {
                let mut p = rows.to_be_bytes().to_vec();
                p.extend_from_slice(&cols.to_be_bytes());
                (2, p.into())
            }
            Frame::Stdout(data) => (10, data.as_ref().into()),
            Frame::Stderr(data) => (11, data.as_ref().into()),
            Frame::Exit(code) => (12, code.to_be_bytes().to_vec().into()),
            Frame::Error(message) => (13, message.as_bytes().into()),
        };
        let mut out = Vec::with_capacity(5 + payload.len());
        out.push(tag);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    fn decode(tag: u8, payload: Vec<u8>) -> std::io::Result<Frame> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        Ok(match tag {
            0 => Frame::Stdin(payload.into()),
            1 => Frame::StdinEof,
            2 => {
                let p: [u8; 4] = payload
                    .try_into()
                    .map_err(|_| bad("resize frame of the wrong size"))?;
                Frame::Resize {
                    rows: u16::from_be_bytes([p[0], p[1]]),
                    cols: u16::from_be_bytes([p[2], p[3]]),
                }
            }
            10 => Frame::Stdout(payload.into()),
            11 => Frame::Stderr(payload.into()),
            12 => {
                let p: [u8; 4] = payload
                    .try_into()
                    .map_err(|_| bad("exit frame of the wrong size"))?;
                Frame::Exit(i32::from_be_bytes(p))
            }
            13 => Frame::Error(String::from_utf8_lossy(&payload).into_owned()),
            other => return Err(bad(&format!("unknown frame type {other}"))),
        })
    }
}

/// Read one frame; `None` when the peer closed the connection between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Frame>> {
    let mut header = [0u8; 5];
    match reader.read_exact(&mut header[..1]).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    reader.read_exact(&mut header[1..]).await?;
    let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is too large"),
        ));
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload).await?;
    Frame::decode(header[0], payload).map(Some)
}

/// Write one frame and flush it.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &Frame,
) -> std::io::Result<()> {
    writer.write_all(&frame.encode()).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip() {
        let frames = vec![
            Frame::Stdin(Bytes::from_static(b"hello")),
            Frame::StdinEof,
            Frame::Resize { rows: 24, cols: 80 },
            Frame::Stdout(Bytes::from_static(b"out")),
            Frame::Stderr(Bytes::new()),
            Frame::Exit(-3),
            Frame::Error("boom".into()),
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        let mut reader = &bytes[..];
        for expected in &frames {
            assert_eq!(
                read_frame(&mut reader).await.unwrap().as_ref(),
                Some(expected)
            );
        }
        assert_eq!(read_frame(&mut reader).await.unwrap(), None);
        let mut truncated = &bytes[..3];
        assert!(read_frame(&mut truncated).await.is_err());
    }
}
