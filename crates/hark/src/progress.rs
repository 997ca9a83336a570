//! Progress bars for long ingests and imports, drawn only on a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A byte-based progress bar over one input file, with a rate of items per second.
pub struct FileProgress {
    bar: ProgressBar,
    started: std::time::Instant,
}

impl FileProgress {
    /// A bar for `total` bytes named `label`; hidden when stderr is not a terminal or `quiet`.
    pub fn new(total: u64, label: &str, quiet: bool) -> FileProgress {
        let bar = ProgressBar::new(total);
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        FileProgress {
            bar,
            started: std::time::Instant::now(),
        }
    }

    /// Moves the bar to `bytes`, showing `items` processed as a rate.
    pub fn update(&self, bytes: u64, items: u64, unit: &str) {
        self.bar.set_position(bytes);
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{:.0} {unit}/s", items as f64 / seconds));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Seconds since the bar was made.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
