//! User-controlled text made safe for Markdown (GitHub, GitLab and Gitea
//! render it): a commit summary, a file path or an API message can neither
//! open HTML, nor format itself, nor break out of a table cell or a code span.

/// Text for a Markdown paragraph or table cell: on one line, with every
/// character Markdown would act on escaped.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '|' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Text as inline code: fenced by more backticks than it holds, on one line,
/// and with `|` escaped (GitHub reads it as a cell border even in code).
pub fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{}{pad}{ticks}", text.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_markdown_in_user_text_render_as_text() {
        assert_eq!(
            text("<img src=x onerror=alert(1)> **bold** [a](b) | x\nnext"),
            "&lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*bold\\*\\* \\[a\\]\\(b\\) \\| x next"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_by_the_text() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }
}
