//! The container image of `deploy/image/build` for the tests that check and
//! run it: built once per test binary, unpacked from its OCI archive.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use super::repo::text;
use super::sandbox::repo_root;

/// The ServiceAccount of `deploy/kubernetes/rbac` and its namespace.
pub const NAMESPACE: &str = "mcs-gitops";
pub const ACCOUNT: &str = "mcs-gitops";
/// Where the kubelet mounts a pod's ServiceAccount token (kube reads it there).
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
pub const STATUS_BRANCH: &str = "mcs-gitops/status";

/// Runs a command to completion, failing the test with its output on error.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", text(&output));
    output
}

/// The image as `deploy/image/build` left it.
pub struct Image {
    /// The OCI archive.
    pub archive: PathBuf,
    /// Its ref name (`localhost/mcs-gitops:<version>`).
    pub name: String,
}

/// Brings the image up to date (idempotent, cached), once per test binary.
pub fn image() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = std::env::var_os("MCS_GITOPS_IMAGE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME").expect("HOME is set");
                PathBuf::from(home).join(".cache/mcs-gitops/image")
            });
        let output = Command::new(repo_root().join("deploy/image/build"))
            .arg("--output")
            .arg(&dir)
            .arg("--no-sbom")
            .stdin(Stdio::null())
            .output()
            .expect("run deploy/image/build");
        assert!(
            output.status.success(),
            "deploy/image/build --output {} failed; the image tests need it (as root: buildah, \
             umoci, bubblewrap and ca-certificates from Debian, and a release build):\n{}",
            dir.display(),
            text(&output)
        );
        let summary: Value =
            serde_json::from_slice(&std::fs::read(dir.join("image.json")).unwrap()).unwrap();
        let archive = PathBuf::from(summary["archive"].as_str().unwrap());
        assert!(archive.is_file(), "{} is missing", archive.display());
        Image {
            archive,
            name: summary["name"].as_str().unwrap().to_owned(),
        }
    })
}

/// The image unpacked by umoci: an OCI runtime bundle (`config.json`,
/// `rootfs/`) and the image's own config, in a directory any user can read.
pub struct Unpacked {
    pub dir: tempfile::TempDir,
    /// The image config (`config` of the OCI image configuration).
    pub config: Value,
}

impl Unpacked {
    pub fn new(image: &Image) -> Unpacked {
        let dir = tempfile::Builder::new()
            .prefix("mcs-image-")
            .tempdir()
            .unwrap();
        // UID 65532 walks to the root through this directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let layout = dir.path().join("layout");
        std::fs::create_dir(&layout).unwrap();
        run_ok(
            Command::new("tar")
                .arg("-xf")
                .arg(&image.archive)
                .arg("-C")
                .arg(&layout),
        );
        run_ok(
            Command::new("umoci")
                .arg("unpack")
                .arg("--image")
                .arg(format!("{}:{}", layout.display(), image.name))
                .arg(dir.path().join("bundle")),
        );
        // umoci makes the bundle directory private to root.
        std::fs::set_permissions(
            dir.path().join("bundle"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let blob = |digest: &str| -> Value {
            let (algorithm, hex) = digest.split_once(':').unwrap();
            serde_json::from_slice(
                &std::fs::read(layout.join("blobs").join(algorithm).join(hex)).unwrap(),
            )
            .unwrap()
        };
        let index: Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let manifest = blob(index["manifests"][0]["digest"].as_str().unwrap());
        let config = blob(manifest["config"]["digest"].as_str().unwrap())["config"].clone();
        Unpacked { dir, config }
    }

    pub fn rootfs(&self) -> PathBuf {
        self.dir.path().join("bundle/rootfs")
    }

    /// A directory beside the bundle that UID 65532 can read.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// `ENV` of the image as (name, value).
    pub fn env(&self) -> Vec<(String, String)> {
        strings(&self.config["Env"])
            .iter()
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    /// `USER` of the image as (uid, gid).
    pub fn user(&self) -> (u32, u32) {
        let user = self.config["User"].as_str().expect("the image sets a user");
        let (uid, gid) = user.split_once(':').expect("USER is uid:gid");
        (uid.parse().unwrap(), gid.parse().unwrap())
    }
}

pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
