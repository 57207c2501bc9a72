//! Shared test support. Each test file uses the parts it needs.

#![allow(dead_code)]

pub mod fixtures;
pub mod repo;
pub mod sandbox;
