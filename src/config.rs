//! Problems found in a configuration file (`policy.toml`, `people.toml`),
//! each at a 1-based line and column, and the collector that gathers them
//! so that a file reports every problem at once.

use std::ops::Range;

/// One problem in a configuration file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyIssue {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.first().map(|i| i.message.as_str()).unwrap_or("invalid policy"))]
pub struct PolicyError(pub Vec<PolicyIssue>);

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column)
}

/// `text` read as TOML into `T`; a syntax or type error is one issue at
/// its line and column.
pub(crate) fn from_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, PolicyError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        PolicyError(vec![PolicyIssue {
            line,
            column,
            message: e.message().trim().to_string(),
        }])
    })
}

/// The problems found so far in `text`, placed by byte spans.
pub(crate) struct Issues<'a> {
    text: &'a str,
    issues: Vec<PolicyIssue>,
}

impl<'a> Issues<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Issues {
            text,
            issues: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.issues.push(PolicyIssue {
            line,
            column,
            message: message.into(),
        });
    }

    /// `value` when nothing was found, else every problem.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, PolicyError> {
        if self.issues.is_empty() {
            Ok(value)
        } else {
            Err(PolicyError(self.issues))
        }
    }

    /// How many problems were found so far.
    pub(crate) fn len(&self) -> usize {
        self.issues.len()
    }

    /// In file order.
    pub(crate) fn sorted(mut self) -> Self {
        self.issues.sort_by_key(|i| (i.line, i.column));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé\nx", 7), (2, 4));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
