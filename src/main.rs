//! The `marketdesk` binary: parse the command line, then the TUI or a subcommand.

use clap::Parser;
use marketdesk::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Cli::parse();
    let result = args.context().and_then(|ctx| match &args.command {
        Some(cmd) => cli::run(cmd, &ctx),
        None => marketdesk::tui::run(&ctx, args.screen.as_deref()),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("marketdesk: {e:#}");
            ExitCode::FAILURE
        }
    }
}
