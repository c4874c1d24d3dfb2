//! What a TLS listener serves: [`served_certificate`] does a real handshake with a listener
//! (the daemon's own, on loopback) for a name and returns the leaf certificate it presented,
//! so that a new certificate can be checked to be the one served.
//!
//! The handshake does not verify the certificate: the question is which certificate is
//! served, not whether to trust it, and nothing is sent over the connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;

/// Why the served certificate could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ServedError {
    #[error("`{0}` is not a name to send as SNI")]
    Name(String),
    #[error("connecting to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS handshake with {addr}: {source}")]
    Handshake {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{addr} did not answer within {timeout:?}")]
    Timeout { addr: SocketAddr, timeout: Duration },
    #[error("{addr} presented no certificate")]
    NoCertificate { addr: SocketAddr },
    #[error("setting up the TLS client: {0}")]
    Tls(#[from] rustls::Error),
}

/// The leaf certificate (DER) the TLS listener at `addr` serves to a client asking for `sni`.
pub async fn served_certificate(
    addr: SocketAddr,
    sni: &str,
    timeout: Duration,
) -> Result<CertificateDer<'static>, ServedError> {
    let name =
        ServerName::try_from(sni.to_string()).map_err(|_| ServedError::Name(sni.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AnyCertificate(Arc::clone(&provider)));
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = TlsConnector::from(Arc::new(config));
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|source| ServedError::Connect { addr, source })?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|source| ServedError::Handshake { addr, source })?;
        let leaf = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .map(|der| der.clone().into_owned());
        leaf.ok_or(ServedError::NoCertificate { addr })
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| ServedError::Timeout { addr, timeout })?
}

/// Accepts whatever certificate is presented (see the module comment); signatures are still
/// checked, so the peer holds the key of the certificate it sent.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
