//! A small JSON-over-HTTPS client for forge APIs: one request, a timeout,
//! a bounded answer, and no redirects (a token must never follow one to
//! another host).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Longest a request may take, answer included.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Largest answer read (a page of 100 long comments fits many times).
const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// An HTTP method the forge clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// PUT.
    Put,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
        }
    }
}

/// An answer: status code and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The URL or a header could not be used.
    #[error("bad request: {0}")]
    Build(String),
    /// No connection, TLS failure, reset.
    #[error("{0}")]
    Connect(String),
    /// No answer within the timeout.
    #[error("no answer within {}s", TIMEOUT.as_secs())]
    Timeout,
    /// The answer could not be read, or was too large.
    #[error("reading the answer: {0}")]
    Body(String),
}

/// The client: HTTPS with the system's roots, or plain HTTP (loopback forges).
#[derive(Clone)]
pub struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    max_answer: usize,
}

impl Http {
    /// A client trusting the system's certificate roots.
    pub fn new() -> Result<Self, SendError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| SendError::Build(format!("reading the system's certificate roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Http {
            client,
            max_answer: MAX_ANSWER,
        })
    }

    /// The same client, reading answers of up to `bytes` (8 MiB unless set).
    pub fn with_answer_limit(self, bytes: usize) -> Self {
        Http {
            max_answer: bytes,
            ..self
        }
    }

    /// Sends one request; `headers` are added as given.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, SendError> {
        let mut request = hyper::Request::builder()
            .method(method.as_str())
            .uri(url)
            .header(
                "user-agent",
                concat!("mcs-gitops/", env!("CARGO_PKG_VERSION")),
            );
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| SendError::Build(e.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| SendError::Connect(describe(&e)))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), self.max_answer)
                .collect()
                .await
                .map_err(|e| SendError::Body(e.to_string()))?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| SendError::Timeout)?
    }
}

/// The error and its causes on one line (hyper's top-level message alone is
/// "client error (Connect)").
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
