//! The `marketdesk` binary: parse the command line, then the TUI or a subcommand.

use clap::Parser;
use marketdesk::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Cli::parse();
    // Errors are worded in the resolved language; when it could not be resolved (a bad
    // --lang, a bad config file), in LANG/LC_ALL's or English.
    let (lang, result) = match args.context() {
        Ok(ctx) => (
            ctx.lang,
            match &args.command {
                Some(cmd) => cli::run(cmd, &ctx),
                None => marketdesk::tui::run(&ctx, args.screen.as_deref()),
            },
        ),
        Err(e) => (args.fallback_lang(), Err(e)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("marketdesk: {}", cli::error_text(lang, &e));
            ExitCode::FAILURE
        }
    }
}
