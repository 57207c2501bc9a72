//! Shared by the bench targets: the fleet generator (pure), the suite's own
//! sandbox, bulk API operations, child processes (`git daemon`,
//! `mcs-gitops run`), and the presentation of results.

pub mod etcd;
pub mod generate;
pub mod kube_ops;
pub mod procs;
pub mod report;
pub mod sandbox;
pub mod smoke;
