//! The real Redis binaries of every version the interop tests run against, as
//! `scripts/install-redis-versions.sh` installs and lists them in `versions.env`.

use std::path::PathBuf;

/// One installed Redis: its version (`"2.8.17"`) and its `redis-server`.
#[derive(Clone, Debug)]
pub struct RedisVersion {
    /// The version, as `redis-server --version` reports it.
    pub version: String,
    /// The server binary.
    pub server: PathBuf,
}

impl RedisVersion {
    /// The RDB format version this Redis writes (and the newest it loads).
    pub fn rdb_version(&self) -> u16 {
        match self.version.split('.').next().unwrap_or_default() {
            "2" => 6,
            "3" => 7,
            "4" => 8,
            "5" | "6" => 9,
            _ => 10,
        }
    }
}

/// The `versions.env` written by the install script.
pub fn versions_file() -> PathBuf {
    if let Some(root) = std::env::var_os("ARDB_RS_REDIS_CACHE") {
        return PathBuf::from(root).join("versions.env");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("ardb-rs/redis/versions.env")
}

/// Every installed Redis, oldest first. Fails (the tests must not silently skip versions) when
/// the list or a binary it names is missing.
pub fn installed() -> Result<Vec<RedisVersion>, String> {
    let path = versions_file();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e}; run scripts/install-redis-versions.sh (make deps does)",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let Some(version) = name.strip_prefix("REDIS_") else {
            continue;
        };
        let server = PathBuf::from(value.trim());
        if !server.exists() {
            return Err(format!(
                "{} lists {} which is missing",
                path.display(),
                server.display()
            ));
        }
        out.push(RedisVersion {
            version: version.replace('_', "."),
            server,
        });
    }
    if out.is_empty() {
        return Err(format!("{} lists no Redis", path.display()));
    }
    Ok(out)
}

/// The installed Redis `version` (e.g. `"7.0.15"`). Fails, naming the install script, when it is
/// not installed: a test pinned to a version must not pass without it.
pub fn installed_version(version: &str) -> Result<RedisVersion, String> {
    installed()?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| {
            format!("Redis {version} is not installed: run scripts/install-redis-versions.sh")
        })
}
