//! A fake ACME CA for unit tests of one request at a time: it serves a directory (with or
//! without `renewalInfo`), nonces, a fixed renewal window and new orders (accepting or refusing
//! a `replaces` field), and logs every request with its JWS payload. Debian's Pebble has no
//! renewal information, so the end-to-end tests cannot cover these paths.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use instant_acme::{Account, BodyWrapper, BytesResponse, HttpClient};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// The renewal window the fake CA suggests for every certificate.
pub(crate) const WINDOW: (&str, &str) = ("2030-01-01T00:00:00Z", "2030-01-03T00:00:00Z");

/// What the fake CA offers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Behaviour {
    /// Its directory has `renewalInfo`.
    pub ari: bool,
    /// It answers an order with `replaces` 409 `alreadyReplaced`.
    pub refuse_replaces: bool,
}

/// One request the fake CA received: its URL and, for a POST, its decoded JWS payload.
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    pub uri: String,
    pub payload: Option<serde_json::Value>,
}

pub(crate) type Log = Arc<Mutex<Vec<Asked>>>;

struct FakeCa {
    behaviour: Behaviour,
    log: Log,
}

/// The payload of a flattened JWS body, decoded.
fn jws_payload(body: &[u8]) -> Option<serde_json::Value> {
    let jws: serde_json::Value = serde_json::from_slice(body).ok()?;
    let payload = URL_SAFE_NO_PAD.decode(jws.get("payload")?.as_str()?).ok()?;
    // A POST-as-GET has an empty payload.
    serde_json::from_slice(&payload).ok()
}

/// Status, extra headers and JSON body of the answer to a request to `uri` with `payload`.
fn answer(
    behaviour: Behaviour,
    uri: &str,
    payload: Option<&serde_json::Value>,
) -> (u16, Vec<(&'static str, String)>, serde_json::Value) {
    if uri.ends_with("/dir") {
        let mut directory = serde_json::json!({
            "newNonce": "https://ca.test/nonce",
            "newAccount": "https://ca.test/account",
            "newOrder": "https://ca.test/order",
        });
        if behaviour.ari {
            directory["renewalInfo"] = "https://ca.test/renewal-info".into();
        }
        return (200, vec![], directory);
    }
    if uri.ends_with("/nonce") {
        return (200, vec![], serde_json::json!({}));
    }
    if uri.starts_with("https://ca.test/renewal-info/") {
        let window = serde_json::json!({"suggestedWindow": {"start": WINDOW.0, "end": WINDOW.1}});
        return (200, vec![("retry-after", "7200".into())], window);
    }
    if uri == "https://ca.test/order" {
        let replaces = payload.and_then(|p| p.get("replaces")).cloned();
        if replaces.is_some() && behaviour.refuse_replaces {
            let problem = serde_json::json!({
                "type": "urn:ietf:params:acme:error:alreadyReplaced",
                "detail": "the certificate has been replaced already",
                "status": 409,
            });
            return (409, vec![], problem);
        }
        let mut order = serde_json::json!({
            "status": "valid",
            "authorizations": [],
            "finalize": "https://ca.test/finalize/1",
            "certificate": "https://ca.test/cert/1",
        });
        if let Some(replaces) = replaces {
            order["replaces"] = replaces;
        }
        return (
            201,
            vec![("location", "https://ca.test/order/1".into())],
            order,
        );
    }
    (404, vec![], serde_json::json!({}))
}

impl HttpClient for FakeCa {
    fn request(
        &self,
        req: http::Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, instant_acme::Error>> + Send>> {
        let uri = req.uri().to_string();
        let mut body = req.into_body();
        let behaviour = self.behaviour;
        let log = Arc::clone(&self.log);
        Box::pin(async move {
            let bytes = http_body_util::BodyExt::collect(&mut body)
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let payload = jws_payload(&bytes);
            let (status, headers, json) = answer(behaviour, &uri, payload.as_ref());
            log.lock().unwrap().push(Asked { uri, payload });
            let content_type = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            let mut response = http::Response::builder()
                .status(status)
                .header("content-type", content_type)
                .header("replay-nonce", "fake-nonce");
            for (name, value) in headers {
                response = response.header(name, value);
            }
            let (parts, ()) = response.body(()).unwrap().into_parts();
            let body: Box<dyn instant_acme::BytesBody> = Box::new(Bytes::from(json.to_string()));
            Ok(BytesResponse { parts, body })
        })
    }
}

/// An account at a fake CA that behaves as `behaviour` says, and the log of its requests.
pub(crate) async fn account(behaviour: Behaviour) -> (Account, Log) {
    let log = Log::default();
    let key = rcgen::KeyPair::generate().unwrap();
    let ca = FakeCa {
        behaviour,
        log: Arc::clone(&log),
    };
    let account = Account::builder_with_http(Box::new(ca))
        .from_parts(
            "https://ca.test/account/1".into(),
            rustls_pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()),
            "https://ca.test/dir".into(),
        )
        .await
        .unwrap();
    (account, log)
}

/// A leaf for `a.example.com` with serial 0x0102, signed by a CA so that it carries an
/// authority key identifier; the PEM chain.
pub(crate) fn issued_chain() -> String {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec!["a.example.com".into()]).unwrap();
    leaf.use_authority_key_identifier_extension = true;
    leaf.serial_number = Some(rcgen::SerialNumber::from(vec![0x01, 0x02]));
    leaf.not_before = rcgen::date_time_ymd(2029, 10, 1);
    leaf.not_after = rcgen::date_time_ymd(2030, 1, 1);
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    format!("{}{}", cert.pem(), ca_cert.pem())
}
