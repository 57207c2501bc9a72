//! The `mcs-gitops` binary: parse the command line, run, exit with a
//! documented code.

use std::process::ExitCode;

use clap::Parser;
use mcs_gitops::cli::{Cli, Command};
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
    let outcome = match &cli.command {
        Command::Validate(args) => commands::validate::run(args, cli.color),
        Command::Plan(args) => block_on(commands::plan::run(args, cli.color)),
        Command::Apply(args) => block_on(commands::apply::run(args, cli.color)),
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
