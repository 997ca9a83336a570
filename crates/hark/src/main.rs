//! `hark`: the command-line face of the hark passive DNS system.
//!
//! Subcommands wire the library crates together: `ingest` (captures → store), `import cof`,
//! `export`, `lookup`, `recon`, `intel`, `serve`, `stats`, the service: `run`, `config`, `status`, and watch rules: `watch`, `alerts`. This crate holds no business logic and is the only user of
//! `anyhow` and of the concrete storage engine.

mod cli;
mod commands;
mod output;
mod progress;
mod sensor;
mod service;
mod store;
mod times;

use clap::Parser;
use cli::{Cli, Command, ConfigCommand, StoreCommand};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HARK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .init();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hark: error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

use anyhow::Context;

fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Run { config } => return service::run(config, cli.db, cli.store.as_deref()),
        Command::Sensor { config } => return sensor::run(config),
        Command::Config {
            action: ConfigCommand::Init,
        } => {
            return output::print(service::config::EXAMPLE);
        }
        Command::Config {
            action: ConfigCommand::Check { file },
        } => return service::check(file),
        Command::Status { json } => return commands::status::run(&store::data_dir(cli.db)?, *json),
        Command::Store { action } => {
            let choice = store::Choice::of(cli.store.as_deref(), cli.db.clone())?;
            return match action {
                StoreCommand::Migrate => commands::store::migrate(&choice),
                StoreCommand::Check { json } => commands::store::check(&choice, *json),
            };
        }
        Command::Watch { action } => {
            return commands::watch::run(action, &mut std::io::stdout().lock())
        }
        Command::Alerts(args) => {
            return commands::watch::alerts(
                &store::data_dir(cli.db)?,
                args,
                &mut std::io::stdout().lock(),
            )
        }
        _ => {}
    }
    let choice = store::Choice::of(cli.store.as_deref(), cli.db.clone())?;
    let store = store::open_choice(&choice)?;
    // Local state beside the rows (watch alerts): the store's directory, or the data
    // directory when the rows are in ClickHouse.
    let dir = match &choice {
        store::Choice::Embedded(dir) => dir.clone(),
        store::Choice::ClickHouse(_) => store::data_dir(None)?,
    };
    let stdout = std::io::stdout();
    match &cli.command {
        Command::Ingest(args) => {
            let store = std::sync::Arc::new(store);
            commands::ingest::run(store.clone(), &dir, args)?;
            store.settle().context("moving the new rows into tables")
        }
        Command::Capture(args) => {
            commands::capture::run(&store, args)?;
            store.settle().context("moving the new rows into tables")
        }
        Command::Import { format } => {
            commands::import::run(&store, format)?;
            store.settle().context("moving the new rows into tables")
        }
        Command::Export { negatives } => {
            commands::export::run(&store, *negatives, &mut stdout.lock())
        }
        Command::Lookup { what } => commands::lookup::run(&store, what, &mut stdout.lock()),
        Command::Serve(args) => commands::serve::run(std::sync::Arc::new(store), &dir, args),
        Command::Stats { json } => commands::stats::run(&store, &choice.describe(), *json),
        Command::Fetch {
            config,
            provider,
            force,
            targets,
        } => commands::fetch::run(&store, &dir, config, provider, *force, targets),
        Command::Recon(args) => commands::recon::run_recon(&store, args, &mut stdout.lock()),
        Command::Intel { question, format } => {
            commands::recon::run_intel(&store, question, *format, &mut stdout.lock())
        }
        Command::Run { .. }
        | Command::Sensor { .. }
        | Command::Config { .. }
        | Command::Status { .. }
        | Command::Store { .. }
        | Command::Watch { .. }
        | Command::Alerts(_) => Ok(()),
    }
}
