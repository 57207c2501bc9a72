//! A Git server that redirects to another host never receives the
//! credentials: a 302 from the configured server to a second one, which
//! challenges for credentials, gets no Authorization header, and the read
//! fails naming both hosts.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use mcs_gitops::source::auth::{GitAuth, Secret};
use mcs_gitops::source::mirror::Origin;

/// The request head of one connection, answered with `response`.
fn answer(stream: TcpStream, response: &str) -> Vec<String> {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_owned());
    }
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    head
}

/// Serves every connection with `response`, keeping each request's headers.
fn server(host: &str, response: String) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind((host, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let head = answer(stream, &response);
            kept.lock().unwrap().extend(head);
        }
    });
    (port, seen)
}

#[test]
fn a_redirect_to_another_host_gets_no_credentials() {
    let challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned();
    let (elsewhere, seen_elsewhere) = server("127.0.0.2", challenge);
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:{elsewhere}/config.git/info/refs?service=git-upload-pack\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let (configured, _) = server("127.0.0.1", redirect);
    let cache = tempfile::tempdir().unwrap();
    let auth = GitAuth::Basic {
        username: "mcs-gitops".to_owned(),
        password: Secret::new("s3cret-token"),
    };
    let origin = Origin::open(
        &format!("http://127.0.0.1:{configured}/config.git"),
        auth,
        cache.path(),
    )
    .unwrap();
    let error = origin.head("main").unwrap_err().to_string();
    let headers = seen_elsewhere.lock().unwrap().join("\n");
    assert!(
        !headers.to_ascii_lowercase().contains("authorization"),
        "the other host got credentials:\n{headers}"
    );
    assert!(
        error.contains("redirected to 127.0.0.2") || error.contains("redirect"),
        "{error}"
    );
}
