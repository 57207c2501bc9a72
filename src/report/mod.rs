//! Rendering for people and machines. Pure: returns strings and serialisable
//! values; never touches Git, the API or the terminal.
//!
//! Every rendered output is snapshot-tested.

pub mod apply;
pub mod commit_status;
pub mod diagnostics;
pub mod diff;
pub mod history_text;
pub mod markdown;
pub mod mermaid;
pub mod plan_json;
pub mod plan_markdown;
pub mod plan_text;
pub mod review_json;
pub mod review_markdown;
pub mod review_text;
pub mod review_words;
pub mod status;
pub mod status_exposure;
pub mod status_input;
pub mod status_summary;
pub mod style;
pub mod words;

pub use style::Color;
