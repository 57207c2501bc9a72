//! Rendering for people and machines. Pure: returns strings and serialisable
//! values; never touches Git, the API or the terminal.
//!
//! Every rendered output is snapshot-tested.

pub mod apply;
pub mod diagnostics;
pub mod diff;
pub mod plan_json;
pub mod plan_markdown;
pub mod plan_text;
pub mod style;
pub mod words;

pub use style::Color;
