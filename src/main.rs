//! The `mcs-gitops` binary: parse the command line, run, exit with a
//! documented code.

use std::process::ExitCode;

use clap::Parser;
use mcs_gitops::cli::{Cli, Command, LogFormat};
use mcs_gitops::commands::{self, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(match error.use_stderr() {
                true => Outcome::CouldNotRun.exit_code(),
                false => 0,
            });
        }
    };
    init_logs(cli.log_format, matches!(cli.command, Command::Run(_)));
    let outcome = match &cli.command {
        Command::Validate(args) => commands::validate::run(args, cli.color),
        Command::Plan(args) => block_on(commands::plan::run(args, cli.color)),
        Command::Apply(args) => block_on(commands::apply::run(args, cli.color)),
        Command::Review(args) => block_on(commands::review::run(args, cli.color)),
        Command::History(args) => commands::history::run(args),
        Command::Run(args) => {
            limit_malloc_arenas();
            block_on(commands::run::run(args))
        }
    };
    ExitCode::from(outcome.exit_code())
}

fn block_on(future: impl Future<Output = Outcome>) -> Outcome {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => {
            eprintln!("mcs-gitops: cannot start the async runtime: {error}");
            Outcome::CouldNotRun
        }
    }
}

/// Logs go to stderr; the daemon logs at info, one-shot commands at warn.
fn init_logs(format: LogFormat, daemon: bool) {
    let default = if daemon { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// glibc gives each thread that allocates its own arena, and a long-running
/// daemon's resident memory then grows with fragmentation in every one of
/// them; two arenas are plenty for a reconciler.
fn limit_malloc_arenas() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes allocator tuning; it is called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
