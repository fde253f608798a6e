//! Where [`Config`] comes from, through figment's providers: the built-in
//! defaults, then an optional TOML file, then the environment.
//!
//! Operators write keys flat (`P2P_WS_MAX_SOCKETS_PER_USER`, `s3_bucket = …`
//! in the file); [`Sectioned`] nests each into the section its first words
//! name (`ws.max_sockets_per_user`, `s3.bucket`). The sections are read from
//! [`Config`] itself, so no list of keys is kept anywhere. Values are trimmed,
//! and a blank one counts as unset.

use super::{Config, ConfigError, UNPREFIXED, env_key};
use figment::error::Kind;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use std::path::PathBuf;

/// `P2P_` variables that are not configuration keys (besides `P2P_TEST_*`).
const NOT_KEYS: &[&str] = &[
    "CONFIG",
    "SERVICES_DIR",
    "SUPERUSER_PASSWORD",
    "SEED_PASSWORD",
];

impl Config {
    /// Defaults → the file named by `P2P_CONFIG` (or `./p2p.toml` when present)
    /// → the process environment. Unknown keys and values of the wrong type
    /// are errors naming the key's environment variable.
    pub fn load() -> Result<Self, ConfigError> {
        let sections = sections();
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = config_file()? {
            figment = figment.merge(Sectioned::new(Toml::file_exact(file), &sections));
        }
        let unprefixed = Env::raw().only(UNPREFIXED);
        let prefixed = Env::prefixed("P2P_")
            .ignore(NOT_KEYS)
            .filter(|key| !key.starts_with("TEST_"));
        figment
            .merge(Sectioned::new(EnvStrings(unprefixed), &sections))
            .merge(Sectioned::new(EnvStrings(prefixed), &sections))
            .extract_lossy()
            .map_err(from_figment)
    }

    /// The configuration as the environment variables that reproduce it (for
    /// starting a server in another process); secrets included.
    pub fn to_env_vars(&self) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        if let Ok(Value::Dict(_, dict)) = Value::serialize(self) {
            flatten("", &dict, &mut vars);
        }
        vars
    }
}

fn flatten(prefix: &str, dict: &Dict, vars: &mut Vec<(String, String)>) {
    for (key, value) in dict {
        let field = format!("{prefix}{key}");
        match value {
            Value::Dict(_, inner) => flatten(&format!("{field}_"), inner, vars),
            Value::Empty(..) => {}
            Value::String(_, s) => vars.push((env_key(&field), s.clone())),
            Value::Char(_, c) => vars.push((env_key(&field), c.to_string())),
            Value::Bool(_, b) => vars.push((env_key(&field), b.to_string())),
            Value::Num(_, n) => {
                let text = n.to_u128().map(|u| u.to_string());
                let text = text.or_else(|| n.to_i128().map(|i| i.to_string()));
                let text = text.or_else(|| n.to_f64().map(|f| f.to_string()));
                vars.extend(text.map(|t| (env_key(&field), t)));
            }
            Value::Array(..) => {}
        }
    }
}

/// The configuration file: the one `P2P_CONFIG` names (which must exist), or
/// `./p2p.toml` when there is one.
fn config_file() -> Result<Option<PathBuf>, ConfigError> {
    match Env::var("P2P_CONFIG") {
        Some(path) if !PathBuf::from(&path).exists() => Err(ConfigError {
            key: "P2P_CONFIG".into(),
            message: format!("file {path} does not exist"),
        }),
        Some(path) => Ok(Some(path.into())),
        None => Ok(Some(PathBuf::from("p2p.toml")).filter(|p| p.exists())),
    }
}

/// The sections of [`Config`]: its fields that are structs.
fn sections() -> Vec<String> {
    match Value::serialize(Config::default()) {
        Ok(Value::Dict(_, dict)) => dict
            .into_iter()
            .filter(|(_, value)| matches!(value, Value::Dict(..)))
            .map(|(key, _)| key)
            .collect(),
        _ => Vec::new(),
    }
}

/// An environment provider whose values stay the strings they are (figment's
/// `Env` would read `2026` as a number and `"x"` as `x`); typed keys are
/// converted by `extract_lossy`.
struct EnvStrings(Env);

impl Provider for EnvStrings {
    fn metadata(&self) -> Metadata {
        self.0.metadata()
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let dict = self
            .0
            .iter()
            .map(|(key, value)| (key.to_string(), Value::from(value)))
            .collect();
        Ok(Profile::Default.collect(dict))
    }
}

/// A provider whose flat keys are nested into [`Config`]'s sections.
struct Sectioned<P> {
    source: P,
    sections: Vec<String>,
}

impl<P> Sectioned<P> {
    fn new(source: P, sections: &[String]) -> Self {
        Self {
            source,
            sections: sections.to_vec(),
        }
    }

    /// `s3_bucket` → (`s3`, `bucket`), the longest section that fits.
    fn split<'k>(&self, key: &'k str) -> Option<(&'k str, &'k str)> {
        self.sections
            .iter()
            .filter_map(|section| {
                let rest = key.strip_prefix(section.as_str())?.strip_prefix('_')?;
                Some((&key[..section.len()], rest)).filter(|_| !rest.is_empty())
            })
            .max_by_key(|(section, _)| section.len())
    }

    fn nest(&self, dict: Dict) -> Dict {
        let mut nested = Dict::new();
        for (key, value) in dict {
            let Some(value) = unless_blank(value) else {
                continue;
            };
            match self.split(&key) {
                Some((section, field)) => {
                    let entry = nested
                        .entry(section.to_owned())
                        .or_insert_with(|| Dict::new().into());
                    if let Value::Dict(_, inner) = entry {
                        inner.insert(field.to_owned(), value);
                    }
                }
                None => match (nested.get_mut(&key), value) {
                    (Some(Value::Dict(_, existing)), Value::Dict(_, given)) => {
                        existing.extend(given);
                    }
                    (_, value) => {
                        nested.insert(key, value);
                    }
                },
            }
        }
        nested
    }
}

impl<P: Provider> Provider for Sectioned<P> {
    fn metadata(&self) -> Metadata {
        self.source.metadata()
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let data = self.source.data()?;
        Ok(data
            .into_iter()
            .map(|(profile, dict)| (profile, self.nest(dict)))
            .collect())
    }
}

/// The value trimmed, or `None` when it is a blank string.
fn unless_blank(value: Value) -> Option<Value> {
    match value {
        Value::String(tag, s) => {
            let trimmed = s.trim();
            (!trimmed.is_empty()).then(|| Value::String(tag, trimmed.to_owned()))
        }
        Value::Dict(tag, dict) => Some(Value::Dict(
            tag,
            dict.into_iter()
                .filter_map(|(k, v)| Some((k, unless_blank(v)?)))
                .collect(),
        )),
        other => Some(other),
    }
}

fn from_figment(err: figment::Error) -> ConfigError {
    let mut path = err.path.clone();
    let message = match &err.kind {
        Kind::UnknownField(name, _) => {
            if path.last() != Some(name) {
                path.push(name.clone());
            }
            "unknown configuration key".to_owned()
        }
        kind => kind.to_string(),
    };
    if path.is_empty() {
        ConfigError {
            key: "configuration".into(),
            message,
        }
    } else {
        ConfigError::new(&path.join("_"), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::S3Config;
    use figment::Jail;

    /// Loads with the given environment (and files) in a jail: its own
    /// working directory and environment, one test at a time.
    #[allow(clippy::result_large_err)] // figment's error type, in a test
    fn load_in(
        vars: &[(&str, &str)],
        files: &[(&str, &str)],
        check: impl FnOnce(Result<Config, ConfigError>),
    ) {
        Jail::expect_with(|jail| {
            jail.clear_env();
            for (name, text) in files {
                jail.create_file(name, text)?;
            }
            for (key, value) in vars {
                jail.set_env(key, value);
            }
            check(Config::load());
            Ok(())
        });
    }

    fn key(result: Result<Config, ConfigError>) -> Option<String> {
        result.err().map(|e| e.key)
    }

    #[test]
    fn reads_prefixed_and_backend_keys() {
        let vars = [
            ("P2P_PORT", "9001"),
            ("DATABASE_URL", "postgres://x@h/db"),
            ("S3_BUCKET", " files "),
            ("P2P_RUN_MIGRATIONS", "false"),
            ("P2P_WS_MAX_SOCKETS_PER_USER", "7"),
            ("P2P_HOST", "  "),
            ("P2P_TEST_BACKEND", "full"),
            ("P2P_SEED_PASSWORD", "x"),
        ];
        load_in(&vars, &[], |config| {
            let config = config.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.port, 9001);
            let url = config.database.url.as_ref().map(|u| u.expose().as_str());
            assert_eq!(url, Some("postgres://x@h/db"));
            assert_eq!(config.s3.bucket.as_deref(), Some("files"));
            assert!(!config.run_migrations);
            assert_eq!(config.ws.max_sockets_per_user, 7);
            assert_eq!(config.host, "127.0.0.1", "blank is unset");
        });
    }

    #[test]
    fn unknown_keys_are_named() {
        load_in(&[("P2P_PROT", "1")], &[], |c| {
            assert_eq!(key(c).as_deref(), Some("P2P_PROT"));
        });
        load_in(&[("P2P_WS_MAX_SOCKETS", "1")], &[], |c| {
            assert_eq!(key(c).as_deref(), Some("P2P_WS_MAX_SOCKETS"));
        });
        load_in(&[], &[("p2p.toml", "s3_bucket = 'b'\nportt = 1\n")], |c| {
            assert_eq!(key(c).as_deref(), Some("P2P_PORTT"));
        });
    }

    #[test]
    fn wrong_types_are_named() {
        for (var, value) in [
            ("P2P_PORT", "eighty"),
            ("P2P_PORT", "70000"),
            ("P2P_REPLAY_MAX_EVENTS", "-1"),
            ("P2P_RUN_MIGRATIONS", "maybe"),
            ("S3_PATH_STYLE", "sometimes"),
            ("P2P_ENV", "staging"),
        ] {
            load_in(&[(var, value)], &[], |c| {
                assert_eq!(key(c).as_deref(), Some(var), "{var}={value}");
            });
        }
    }

    #[test]
    fn digits_in_a_string_field_stay_a_string() {
        let vars = [("MONGODB_DB", "2026"), ("P2P_JWT_SECRET", "\"0123\"")];
        load_in(&vars, &[], |config| {
            let config = config.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.mongodb.db, "2026");
            let secret = config.jwt.secret.as_ref().map(|s| s.expose().as_str());
            assert_eq!(secret, Some("\"0123\""));
        });
    }

    #[test]
    fn the_file_is_read_and_the_environment_wins() {
        let file =
            "port = 9100\nhost = '0.0.0.0'\nmongodb_db = 'docs'\n[ws]\nmax_replay_events = 5\n";
        let vars = [("P2P_CONFIG", "conf.toml"), ("P2P_PORT", "9200")];
        load_in(&vars, &[("conf.toml", file)], |config| {
            let config = config.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((config.host.as_str(), config.port), ("0.0.0.0", 9200));
            assert_eq!(config.mongodb.db, "docs");
            assert_eq!(config.ws.max_replay_events, 5);
        });
        load_in(&[("P2P_CONFIG", "missing.toml")], &[], |c| {
            assert_eq!(key(c).as_deref(), Some("P2P_CONFIG"));
        });
    }

    #[test]
    fn env_vars_reproduce_the_configuration() {
        let config = Config {
            port: 9300,
            s3: S3Config {
                bucket: Some("files".into()),
                ..S3Config::default()
            },
            ..Config::default()
        };
        let vars = config.to_env_vars();
        assert!(vars.contains(&("P2P_PORT".into(), "9300".into())));
        assert!(vars.contains(&("S3_BUCKET".into(), "files".into())));
        assert!(vars.contains(&("P2P_WS_MAX_REPLAY_EVENTS".into(), "100".into())));
        assert!(!vars.iter().any(|(k, _)| k == "P2P_PUBLIC_URL"));
    }
}
