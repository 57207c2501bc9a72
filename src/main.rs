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
    };
    ExitCode::from(outcome.exit_code())
}
