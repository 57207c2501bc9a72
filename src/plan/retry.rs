//! Whether a failure is worth trying again: decided once, where the answer
//! of the API is read, and carried with the failure from there.

/// Whether a failure is worth trying again, decided once where the answer
/// is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Retry {
    /// Likely to pass later: connection trouble, timeouts, 429, 5xx.
    #[default]
    Transient,
    /// Will fail again until something changes: 4xx, bad configuration.
    Terminal,
}
