//! The command line: an optional config file and a `--name value` flag for every config option, built
//! from the option table so the two never disagree.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command};

use crate::config::file::{apply, load};
use crate::config::options::OPTIONS;
use crate::config::{Config, ConfigError};

fn command() -> Command {
    let mut cmd = Command::new("ardb-rs")
        .version(crate::ARDB_RS_VERSION)
        .about("A Redis-protocol, disk-backed key-value server (sled storage, Redis-compatible replication)")
        .override_usage("ardb-rs [CONFIG_FILE] [--option value]...")
        .arg(Arg::new("config").value_name("CONFIG_FILE").help("redis.conf-style configuration file"))
        .arg(
            Arg::new("import-rdb")
                .long("import-rdb")
                .value_name("RDB_FILE")
                .help("load a Redis RDB file (any version 1 to 12) into the data directory, then exit"),
        );
    for opt in OPTIONS {
        cmd = cmd.arg(
            Arg::new(opt.name)
                .long(opt.name)
                .value_name("VALUE")
                .help(opt.help)
                .action(ArgAction::Append)
                .allow_hyphen_values(true),
        );
    }
    cmd
}

/// What the command line asks for.
#[derive(Debug)]
pub struct Invocation {
    /// The configuration: defaults, then the file, then flags.
    pub config: Config,
    /// The configuration file, for CONFIG REWRITE.
    pub config_file: Option<PathBuf>,
    /// `--import-rdb FILE`: load that RDB into the data directory instead of serving.
    pub import_rdb: Option<PathBuf>,
}

/// Parses the process arguments.
pub fn parse() -> Result<Invocation, ConfigError> {
    parse_from(std::env::args_os())
}

/// [`parse`] over explicit arguments.
pub fn parse_from<I, T>(args: I) -> Result<Invocation, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // --help and --version print and exit successfully, as every CLI does.
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let mut config = Config::default();
    let file = matches.get_one::<String>("config").map(PathBuf::from);
    if let Some(path) = &file {
        load(&mut config, path)?;
    }
    for opt in OPTIONS {
        if let Some(values) = matches.get_many::<String>(opt.name) {
            for v in values {
                apply(&mut config, opt.name, v)?;
            }
        }
    }
    let file = file.map(|f| std::path::absolute(&f).unwrap_or(f));
    Ok(Invocation {
        config,
        config_file: file,
        import_rdb: matches.get_one::<String>("import-rdb").map(PathBuf::from),
    })
}

/// The env_logger filter for a Redis log level; RUST_LOG overrides it.
pub fn level_filter(loglevel: &str) -> log::LevelFilter {
    match loglevel {
        "debug" => log::LevelFilter::Trace,
        "verbose" => log::LevelFilter::Debug,
        "warning" => log::LevelFilter::Warn,
        "nothing" => log::LevelFilter::Off,
        _ => log::LevelFilter::Info,
    }
}

/// Starts logging to standard error or the configured log file.
pub fn init_logging(config: &Config) {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level_filter(&config.loglevel));
    builder.parse_env("RUST_LOG");
    if !config.logfile.is_empty() {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
        {
            Ok(f) => {
                builder.target(env_logger::Target::Pipe(Box::new(f)));
            }
            Err(e) => eprintln!("ardb-rs: cannot open log file {}: {e}", config.logfile),
        }
    }
    let _ = builder.try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file() {
        let path = std::env::temp_dir().join(format!("ardb-rs-cli-{}.conf", std::process::id()));
        assert!(std::fs::write(&path, "port 7000\nhz 20\n").is_ok());
        let parsed = parse_from([
            "ardb-rs",
            path.to_str().unwrap_or_default(),
            "--port",
            "16380",
        ]);
        let _ = std::fs::remove_file(&path);
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(parsed.config.port, 16380);
        assert_eq!(parsed.config.hz, 20);
        assert!(parsed.config_file.is_some());
        assert!(parsed.import_rdb.is_none());
    }

    #[test]
    fn bad_flag_values_are_errors() {
        assert!(parse_from(["ardb-rs", "--port", "x"]).is_err());
    }
}
