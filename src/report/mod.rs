//! Rendering for people and machines. Pure: returns strings and serialisable
//! values; never touches Git, the API or the terminal.
//!
//! Every rendered output is snapshot-tested.

pub mod diagnostics;
pub mod style;

pub use style::Color;
