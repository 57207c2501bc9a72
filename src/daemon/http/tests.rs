//! The webhook endpoint against raw TCP clients: what is refused before a
//! body is read, slow bodies, bodies in flight, and sources limited apart.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

use super::{HttpState, WebhookSettings, serve};
use crate::daemon::health::Health;
use crate::daemon::hook_guard::HookGuard;
use crate::daemon::metrics::Metrics;
use crate::daemon::triggers::channel;
use crate::daemon::webhook::sign;
use crate::source::auth::Secret;

const PUSH: &[u8] = br#"{"ref":"refs/heads/main"}"#;

/// A server with the webhook on, reading at most `in_flight` bodies, each
/// within `timeout`.
async fn server(in_flight: usize, timeout: Duration) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (triggers, mut rx) = channel();
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let state = Arc::new(HttpState {
        health: Arc::new(Health::default()),
        metrics: Arc::new(Metrics::new()),
        webhook: Some(WebhookSettings {
            secret: Secret::new("hook-secret"),
            branch: "main".to_owned(),
        }),
        placement: None,
        guard: HookGuard::new(in_flight, timeout),
        triggers,
    });
    let shutdown = CancellationToken::new();
    tokio::spawn(serve(listener, state, shutdown.clone()));
    (address, shutdown)
}

/// Sends the head of a POST declaring `length` bytes, then `body`.
async fn send(stream: &mut TcpStream, headers: &[(&str, &str)], length: usize, body: &[u8]) {
    let mut head = format!(
        "POST /hooks/git HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {length}\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
}

/// The status code of the response, within two seconds.
async fn status(stream: &mut TcpStream) -> u16 {
    let mut buf = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut buf))
        .await
        .expect("an answer within 2 s")
        .unwrap();
    std::str::from_utf8(&buf[9..12]).unwrap().parse().unwrap()
}

async fn from(source: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

fn signed() -> Vec<(&'static str, String)> {
    vec![
        ("X-GitHub-Event", "push".to_owned()),
        (
            "X-Hub-Signature-256",
            sign(&Secret::new("hook-secret"), PUSH),
        ),
    ]
}

fn pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn an_unsigned_request_is_refused_before_its_body_is_sent() {
    let (address, _stop) = server(4, Duration::from_secs(10)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    send(&mut stream, &[("X-GitHub-Event", "push")], 1024 * 1024, b"").await;
    assert_eq!(status(&mut stream).await, 401);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_dropped_and_frees_its_slot() {
    let (address, _stop) = server(1, Duration::from_millis(300)).await;
    let headers = signed();
    let mut slow = TcpStream::connect(address).await.unwrap();
    send(&mut slow, &pairs(&headers), PUSH.len(), &PUSH[..5]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = TcpStream::connect(address).await.unwrap();
    send(&mut second, &pairs(&headers), PUSH.len(), PUSH).await;
    assert_eq!(status(&mut second).await, 503, "the only slot is taken");
    assert_eq!(status(&mut slow).await, 408);
    let mut third = TcpStream::connect(address).await.unwrap();
    send(&mut third, &pairs(&headers), PUSH.len(), PUSH).await;
    assert_eq!(status(&mut third).await, 202, "the slot is free again");
}

#[tokio::test]
async fn forged_requests_from_one_address_never_starve_a_signed_push_from_another() {
    let (address, _stop) = server(4, Duration::from_secs(10)).await;
    let forged = [
        ("X-GitHub-Event", "push".to_owned()),
        ("X-Hub-Signature-256", sign(&Secret::new("guess"), PUSH)),
    ];
    let mut answers = Vec::new();
    for _ in 0..15 {
        let mut stream = from([127, 0, 0, 2], address).await;
        send(&mut stream, &pairs(&forged), PUSH.len(), PUSH).await;
        answers.push(status(&mut stream).await);
    }
    assert_eq!(answers[..5], [401; 5]);
    assert!(answers[5..].iter().all(|a| *a == 429), "{answers:?}");
    let mut forge = from([127, 0, 0, 1], address).await;
    send(&mut forge, &pairs(&signed()), PUSH.len(), PUSH).await;
    assert_eq!(status(&mut forge).await, 202);
}

#[tokio::test]
async fn the_placement_endpoint_is_off_without_a_token() {
    let (address, _shutdown) = server(4, Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = "GET /v1/placement HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer guess\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(status(&mut stream).await, 404);
}
