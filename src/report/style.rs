//! Terminal colour, decided once by the caller and passed down.
//!
//! Renderers return plain `String`s; colour is a parameter, so the same
//! function feeds a terminal, a file and a snapshot test. Markdown and JSON
//! are never coloured.

use owo_colors::OwoColorize;

/// Whether to emit ANSI colour codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    /// Plain text.
    #[default]
    Off,
    /// ANSI colours.
    On,
}

impl Color {
    fn paint(self, text: &str, f: impl Fn(&str) -> String) -> String {
        match self {
            Color::Off => text.to_owned(),
            Color::On => f(text),
        }
    }

    /// Errors.
    pub fn error(self, text: &str) -> String {
        self.paint(text, |t| t.red().bold().to_string())
    }

    /// Warnings.
    pub fn warning(self, text: &str) -> String {
        self.paint(text, |t| t.yellow().bold().to_string())
    }

    /// Locations and gutters.
    pub fn dim(self, text: &str) -> String {
        self.paint(text, |t| t.blue().bold().to_string())
    }

    /// Emphasis.
    pub fn bold(self, text: &str) -> String {
        self.paint(text, |t| t.bold().to_string())
    }

    /// Additions and good news.
    pub fn added(self, text: &str) -> String {
        self.paint(text, |t| t.green().to_string())
    }

    /// Removals.
    pub fn removed(self, text: &str) -> String {
        self.paint(text, |t| t.red().to_string())
    }

    /// Notes and hints.
    pub fn note(self, text: &str) -> String {
        self.paint(text, |t| t.cyan().to_string())
    }
}
