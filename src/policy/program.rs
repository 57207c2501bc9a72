//! Compiling CEL expressions within bounds. The parser recurses once per
//! nesting level, so expressions are limited in length and nesting before
//! they reach it, and compiled and run on a thread with a stack of known
//! size: a hostile policy file cannot overflow a stack.

use std::thread;

/// Longest expression, in bytes (Kubernetes caps a ValidatingAdmissionPolicy
/// expression at 5,000 characters too).
pub const MAX_EXPRESSION_BYTES: usize = 5_000;
/// Deepest nesting of brackets in an expression.
pub const MAX_NESTING: usize = 32;
/// The stack of the thread that compiles and runs expressions.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Checks that `expression` is within bounds and compiles.
pub fn check(expression: &str) -> Result<(), String> {
    bounded(expression)?;
    let source = expression.to_owned();
    on_large_stack(move || cel::Program::compile(&source).map(drop).map_err(described))
}

/// Compiles an expression already [`check`]ed; on the calling thread, which
/// must be one from [`on_large_stack`].
pub fn compile(expression: &str) -> Result<cel::Program, String> {
    bounded(expression)?;
    cel::Program::compile(expression).map_err(described)
}

/// The parser's errors on one line each, at their line:column within the
/// expression.
fn described(errors: cel::ParseErrors) -> String {
    let lines: Vec<String> = errors
        .errors
        .iter()
        .map(|e| format!("at {}:{}: {}", e.pos.0, e.pos.1, e.msg))
        .collect();
    lines.join("; ")
}

/// Runs `work` on a thread with a [`STACK_BYTES`] stack.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    thread::scope(|scope| {
        thread::Builder::new()
            .name("cel".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, work)
            .expect("spawn the CEL thread")
            .join()
            .expect("the CEL thread panicked")
    })
}

fn bounded(expression: &str) -> Result<(), String> {
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(format!(
            "it is {} bytes long; an expression has at most {MAX_EXPRESSION_BYTES}",
            expression.len()
        ));
    }
    if expression.trim().is_empty() {
        return Err("it is empty".to_owned());
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in expression.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_NESTING {
        return Err(format!(
            "it nests brackets {deepest} deep; at most {MAX_NESTING} are allowed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_and_long_expressions_are_refused_before_the_parser_sees_them() {
        let deep = format!("{}true{}", "(".repeat(40), ")".repeat(40));
        assert!(check(&deep).unwrap_err().contains("40 deep"));
        let long = format!("'{}' == ''", "a".repeat(MAX_EXPRESSION_BYTES));
        assert!(check(&long).unwrap_err().contains("bytes long"));
        assert!(check("   ").is_err());
    }

    #[test]
    fn nesting_within_bounds_compiles() {
        let nested = format!("{}true{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(check(&nested), Ok(()));
        assert!(check("1 +").is_err());
    }
}
