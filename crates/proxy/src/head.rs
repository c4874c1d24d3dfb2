//! [`Head`]: the request as it goes to a backend, less its body: made once per request by
//! the forwarder and reused by a retry, written by the backend client or handed to hyper's
//! client for an upgrade.

use http::header::HeaderMap;
use http::uri::{self, PathAndQuery};
use http::{Method, Request, Uri, Version};

use crate::headers::ProxyHeaders;
use crate::request_body::RequestBody;

/// The parts of the outgoing request that are reused across attempts.
pub(crate) struct Head {
    pub(crate) method: Method,
    pub(crate) path_and_query: PathAndQuery,
    /// The client's headers, hop-by-hop ones removed.
    pub(crate) headers: HeaderMap,
    /// What the proxy adds or replaces.
    pub(crate) proxy: ProxyHeaders,
}

impl Head {
    /// An HTTP/1.1 request in origin form (the backend is chosen by the connection).
    /// The headers are copied if `keep` (another attempt may follow), else moved out.
    pub(crate) fn request(
        &mut self,
        body: RequestBody,
        keep: bool,
    ) -> Result<Request<RequestBody>, http::Error> {
        // Cloning shares the bytes hyper parsed; no re-parse, no allocation.
        let mut parts = uri::Parts::default();
        parts.path_and_query = Some(self.path_and_query.clone());
        let uri = Uri::from_parts(parts)?;
        let mut req = Request::new(body);
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        let mut headers = if keep {
            self.headers.clone()
        } else {
            std::mem::take(&mut self.headers)
        };
        self.proxy.apply(&mut headers);
        *req.headers_mut() = headers;
        Ok(req)
    }
}
