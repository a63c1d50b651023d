//! `--format` belongs to each verb, with the values that verb supports, so
//! that help offers only what works. Each set below is a flattenable
//! argument; `Command::format` reads the one the verb has.

use super::Format;

macro_rules! format_arg {
    ($(#[$doc:meta])* $name:ident, $values:ident, [$($v:ident),+]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $values {
            $($v),+
        }

        $(#[$doc])*
        #[derive(clap::Args, Debug, Clone, Default)]
        pub struct $name {
            /// Output format [default: the first listed]
            #[arg(long, value_enum)]
            pub format: Option<$values>,
        }

        impl $name {
            pub fn get(&self) -> Option<Format> {
                self.format.map(|f| match f {
                    $($values::$v => Format::$v),+
                })
            }
        }
    };
}

format_arg!(
    /// Text for people, JSON for tools.
    TextJson,
    TextJsonValues,
    [Text, Json]
);
format_arg!(
    /// `tkt sla`: also CI annotations, JUnit and a Markdown summary.
    SlaFormat,
    SlaValues,
    [Text, Json, Github, Junit, Markdown]
);
format_arg!(
    /// `tkt check`: also GitHub annotations.
    CheckFormat,
    CheckValues,
    [Text, Json, Github]
);
format_arg!(
    /// Markdown for a pull request or a handover, JSON, or text.
    MarkdownJson,
    MarkdownJsonValues,
    [Markdown, Json, Text]
);
format_arg!(
    /// `tkt report`: also Markdown and CSV.
    ReportFormat,
    ReportValues,
    [Text, Markdown, Json, Csv, Html]
);
format_arg!(
    /// `tkt review`: the draft is Markdown (or text); the rest text or JSON.
    ReviewFormat,
    ReviewValues,
    [Text, Json, Markdown]
);
