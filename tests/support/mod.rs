//! Shared test support. Each test file uses the parts it needs.

#![allow(dead_code)]

pub mod daemon;
pub mod fixtures;
pub mod forge_api;
pub mod git;
pub mod git_servers;
pub mod gitea;
pub mod image;
pub mod karmada_cases;
pub mod live;
pub mod repo;
pub mod sandbox;
pub mod signing;
