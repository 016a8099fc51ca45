//! The RabbitMQ version, read from the server properties of AMQP 0-9-1's `connection.start`
//! (the client library reads them but does not keep them): open a socket, send the protocol
//! header, read the first frame, close.
//!
//! | offset | size | field                          |
//! |-------:|-----:|--------------------------------|
//! | 0      | 1    | frame type, 1 = method         |
//! | 1      | 2    | channel, 0                     |
//! | 3      | 4    | payload size, big-endian       |
//! | 7      | size | payload: class 10, method 10, version major, minor, server properties |
//! | 7+size | 1    | frame end, 0xCE                |

use anyhow::{Context, Result, bail, ensure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::limits::CONNECT_TIMEOUT;

const PROTOCOL_HEADER: &[u8; 8] = b"AMQP\x00\x00\x09\x01";
const FRAME_HEADER_BYTES: usize = 7;
const FRAME_METHOD: u8 = 1;
const FRAME_END: u8 = 0xCE;
/// `connection.start` is a few hundred bytes; a larger first frame is not one.
const START_FRAME_BYTES_MAX: usize = 64 * 1024;
const CLASS_CONNECTION: u16 = 10;
const METHOD_START: u16 = 10;

/// `host:port` of an `amqp://user:pass@host:port/vhost` URI (port 5672 when absent).
pub fn host_port(uri: &str) -> Result<String> {
    let rest = uri
        .strip_prefix("amqp://")
        .with_context(|| format!("AMQP URI {uri:?} does not start with amqp://"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    ensure!(!host.is_empty(), "AMQP URI {uri:?} names no host");
    Ok(if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5672")
    })
}

/// `product version` as the server at `addr` announces itself.
pub async fn server_version(addr: &str) -> Result<String> {
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .context("connect timed out")??;
    stream.write_all(PROTOCOL_HEADER).await?;
    let mut header = [0u8; FRAME_HEADER_BYTES];
    tokio::time::timeout(CONNECT_TIMEOUT, stream.read_exact(&mut header))
        .await
        .context("no connection.start")??;
    ensure!(
        header[0] == FRAME_METHOD,
        "first frame has type {}",
        header[0]
    );
    let size = u32::from_be_bytes([header[3], header[4], header[5], header[6]]) as usize;
    ensure!(
        size <= START_FRAME_BYTES_MAX,
        "first frame has {size} bytes, limit is {START_FRAME_BYTES_MAX}"
    );
    let mut payload = vec![0u8; size + 1];
    stream.read_exact(&mut payload).await?;
    ensure!(payload[size] == FRAME_END, "frame does not end with 0xCE");
    payload.truncate(size);
    let properties = parse_start(&payload)?;
    Ok(format!(
        "{} {}",
        properties.product.as_deref().unwrap_or("AMQP server"),
        properties
            .version
            .as_deref()
            .unwrap_or("(version not announced)")
    ))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ServerProperties {
    pub product: Option<String>,
    pub version: Option<String>,
}

/// The product and version in a `connection.start` payload.
pub fn parse_start(payload: &[u8]) -> Result<ServerProperties> {
    let mut cursor = Cursor { bytes: payload };
    let class = cursor.u16()?;
    let method = cursor.u16()?;
    ensure!(
        (class, method) == (CLASS_CONNECTION, METHOD_START),
        "first method is {class}.{method}, not connection.start"
    );
    cursor.take(2)?; // protocol version major, minor
    let mut table = Cursor {
        bytes: cursor.long_bytes()?,
    };
    let mut properties = ServerProperties::default();
    while !table.bytes.is_empty() {
        let name_len = usize::from(table.u8()?);
        let name = table.take(name_len)?.to_vec();
        let kind = table.u8()?;
        let value = table.value(kind)?;
        let text = || (kind == b'S').then(|| String::from_utf8_lossy(value).into_owned());
        match name.as_slice() {
            b"product" => properties.product = text(),
            b"version" => properties.version = text(),
            _ => {}
        }
    }
    Ok(properties)
}

struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        ensure!(
            n <= self.bytes.len(),
            "field of {n} bytes past the frame's end"
        );
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn long_bytes(&mut self) -> Result<&'a [u8]> {
        let b = self.take(4)?;
        let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        self.take(n)
    }

    /// The bytes of a field-table value of type `kind` (for strings, without the length).
    fn value(&mut self, kind: u8) -> Result<&'a [u8]> {
        let fixed = match kind {
            b'V' => 0,
            b't' | b'b' | b'B' => 1,
            b's' | b'u' => 2,
            b'I' | b'i' | b'f' => 4,
            b'D' => 5,
            b'l' | b'L' | b'd' | b'T' => 8,
            b'S' | b'x' | b'A' | b'F' => return self.long_bytes(),
            other => bail!("field-table value of unknown type {:?}", char::from(other)),
        };
        self.take(fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long_string(out: &mut Vec<u8>, name: &str, kind: u8, value: &[u8]) {
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        out.push(kind);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }

    #[test]
    fn product_and_version_are_read_past_nested_tables() {
        let mut table = Vec::new();
        let capabilities = b"\x0abasic.nackt\x01";
        long_string(&mut table, "capabilities", b'F', capabilities);
        long_string(&mut table, "product", b'S', b"RabbitMQ");
        table.extend_from_slice(&[4, b'p', b'o', b'r', b't', b's', 0, 7]);
        long_string(&mut table, "version", b'S', b"3.10.8");
        let mut payload = vec![0, 10, 0, 10, 0, 9];
        payload.extend_from_slice(&(table.len() as u32).to_be_bytes());
        payload.extend_from_slice(&table);
        payload.extend_from_slice(&[0, 0, 0, 5]);
        payload.extend_from_slice(b"PLAIN");
        let properties = parse_start(&payload).unwrap();
        assert_eq!(properties.product.as_deref(), Some("RabbitMQ"));
        assert_eq!(properties.version.as_deref(), Some("3.10.8"));
    }

    #[test]
    fn a_truncated_or_foreign_frame_is_an_error() {
        assert!(parse_start(&[0, 10, 0, 11, 0, 9, 0, 0, 0, 0]).is_err());
        assert!(parse_start(&[0, 10, 0, 10, 0, 9, 0, 0, 0, 9, 1]).is_err());
        let unknown = [0, 10, 0, 10, 0, 9, 0, 0, 0, 3, 1, b'x', b'?'];
        assert!(parse_start(&unknown).is_err());
    }

    #[test]
    fn the_address_comes_from_the_uri() {
        assert_eq!(
            host_port("amqp://guest:guest@127.0.0.1:5672/%2f").unwrap(),
            "127.0.0.1:5672"
        );
        assert_eq!(host_port("amqp://localhost").unwrap(), "localhost:5672");
        assert!(host_port("http://x").is_err());
    }
}
