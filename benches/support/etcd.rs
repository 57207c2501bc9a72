//! Writing Karmada's objects straight into the sandbox's etcd.
//!
//! A federation of 10,000 MultiClusterServices holds well over 100,000
//! Works; creating them through kube-apiserver (plus a status write each)
//! on a shared two-core machine takes longer than everything the suite
//! measures. Karmada's objects are custom resources, which kube-apiserver
//! stores as plain JSON under `/registry/<group>/<plural>/<ns>/<name>`, so
//! they are written there directly, 128 per transaction through etcd's JSON
//! gateway (`/v3/kv/txn`), with what the API server would have added
//! (`uid`, `creationTimestamp`, `generation`) and their status. The API
//! server's watch cache picks them up from etcd's watch and serves them
//! exactly as objects created through the API. Events (core/v1) are stored
//! as JSON too, which the API server also decodes. MultiClusterServices,
//! Services and namespaces always go through the API.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// etcd's client endpoint, `host:port`.
#[derive(Clone, Debug)]
pub struct Etcd {
    address: String,
}

/// Standard base64 (the gateway takes keys and values in base64).
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(TABLE[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The etcd key kube-apiserver uses for an object (default `/registry` prefix).
pub fn key_of(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let (group, plural) = match kind {
        "Work" => ("work.karmada.io/", "works"),
        "ResourceBinding" => ("work.karmada.io/", "resourcebindings"),
        "Event" => ("", "events"),
        other => panic!("{other} is written through the API, not to etcd"),
    };
    let _ = api_version;
    format!("/registry/{group}{plural}/{ns}/{name}")
}

/// The object as kube-apiserver would have stored it.
pub fn stored(mut object: Value, status: Option<Value>) -> Value {
    let id = super::generate::uuid(&[
        object["kind"].as_str().unwrap_or_default(),
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default(),
    ]);
    let metadata = object["metadata"].as_object_mut().expect("metadata");
    metadata.insert("uid".into(), json!(id));
    metadata.insert("creationTimestamp".into(), json!("2026-01-01T00:00:00Z"));
    if object["kind"] != "Event" {
        object["metadata"]["generation"] = json!(1);
    }
    if let Some(status) = status {
        object["status"] = status["status"].clone();
    }
    object
}

impl Etcd {
    /// The etcd of a sandbox, from its `state.json`.
    pub fn of_sandbox(dir: &std::path::Path) -> Etcd {
        let state: Value =
            serde_json::from_slice(&std::fs::read(dir.join("state.json")).expect("state.json"))
                .expect("JSON");
        let url = state["components"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == "etcd"))
            .and_then(|c| c["url"].as_str())
            .expect("etcd URL in state.json");
        Etcd {
            address: url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// Puts every object under its key, `threads` transactions in flight.
    /// Returns the seconds taken.
    pub fn put_all(&self, objects: Vec<(Value, Option<Value>)>, threads: usize) -> f64 {
        let started = Instant::now();
        let bodies: Vec<String> = objects
            .into_iter()
            .map(|(o, s)| {
                let key = key_of(&o);
                let value = serde_json::to_vec(&stored(o, s)).expect("JSON");
                json!({"requestPut": {"key": base64(key.as_bytes()), "value": base64(&value)}})
            })
            .collect::<Vec<_>>()
            .chunks(128)
            .map(|ops| json!({"success": ops}).to_string())
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(body) = bodies.get(i) else { return };
                        self.post_with_retries("/v3/kv/txn", body);
                    }
                });
            }
        });
        started.elapsed().as_secs_f64()
    }

    fn post_with_retries(&self, path: &str, body: &str) {
        let mut last = String::new();
        for attempt in 0..5 {
            match self.post(path, body) {
                Ok(response) if response.starts_with("HTTP/1.1 200") => return,
                Ok(response) => last = response.chars().take(400).collect(),
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(100 << attempt));
        }
        panic!("etcd {path} failed: {last}");
    }

    fn post(&self, path: &str, body: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(&self.address)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.address,
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    }
}
