//! The OpenTelemetry tracing export (`P2P_OTLP_*`, see `telemetry::otlp`).

use super::settings::parse_url;
use super::{ConfigError, OtlpConfig};
use url::Url;

/// Where and how traces are exported; present only when an endpoint is set.
#[derive(Clone, Debug, PartialEq)]
pub struct OtlpSettings {
    /// The collector's OTLP/HTTP traces URL, used as given (`…/v1/traces`).
    pub endpoint: Url,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// The share of new traces sampled, in `0..=1`; requests that bring a
    /// `traceparent` follow its sampled flag.
    pub sample_ratio: f64,
}

impl OtlpSettings {
    /// `None` without `P2P_OTLP_ENDPOINT`. The ratio and the name are checked
    /// either way, so a mistake shows before the endpoint is set.
    pub(super) fn from_config(otlp: &OtlpConfig) -> Result<Option<Self>, ConfigError> {
        let ratio = otlp.sample_ratio;
        if !(0.0..=1.0).contains(&ratio) {
            return Err(ConfigError::new(
                "otlp_sample_ratio",
                "must be a number between 0 and 1",
            ));
        }
        let service_name = otlp.service_name.trim();
        if service_name.is_empty()
            || service_name.len() > 255
            || service_name.chars().any(char::is_control)
        {
            return Err(ConfigError::new(
                "otlp_service_name",
                "must be 1 to 255 characters without control characters",
            ));
        }
        let Some(endpoint) = &otlp.endpoint else {
            return Ok(None);
        };
        let endpoint = parse_url("otlp_endpoint", endpoint, &["http", "https"])?;
        if endpoint.host_str().is_none_or(str::is_empty) {
            return Err(ConfigError::new("otlp_endpoint", "must name a host"));
        }
        Ok(Some(Self {
            endpoint,
            service_name: service_name.to_owned(),
            sample_ratio: ratio,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use figment::Jail;

    fn from_env(vars: &[(&str, &str)]) -> Result<Option<OtlpSettings>, ConfigError> {
        let mut result = None;
        #[allow(clippy::result_large_err)] // figment's error type, in a test
        Jail::expect_with(|jail| {
            jail.clear_env();
            for (key, value) in vars {
                jail.set_env(key, value);
            }
            result = Some(Config::load().and_then(|c| OtlpSettings::from_config(&c.otlp)));
            Ok(())
        });
        result.unwrap_or_else(|| Err(ConfigError::new("jail", "did not run")))
    }

    fn key(result: Result<Option<OtlpSettings>, ConfigError>) -> Option<String> {
        result.err().map(|e| e.key)
    }

    #[test]
    fn unset_is_no_export() {
        assert_eq!(from_env(&[]), Ok(None));
        assert_eq!(
            from_env(&[("P2P_OTLP_ENDPOINT", "  ")]),
            Ok(None),
            "blank is unset"
        );
        let ratio_only = [("P2P_OTLP_SAMPLE_RATIO", "0.5")];
        assert_eq!(from_env(&ratio_only), Ok(None));
    }

    #[test]
    fn an_endpoint_turns_export_on_with_defaults() {
        let vars = [("P2P_OTLP_ENDPOINT", "http://127.0.0.1:4318/v1/traces")];
        let settings = from_env(&vars).ok().flatten();
        assert_eq!(
            settings,
            Some(OtlpSettings {
                endpoint: Url::parse("http://127.0.0.1:4318/v1/traces")
                    .unwrap_or_else(|e| panic!("{e}")),
                service_name: "p2p-server".into(),
                sample_ratio: 1.0,
            })
        );
        let vars = [
            ("P2P_OTLP_ENDPOINT", "https://collector.internal/v1/traces"),
            ("P2P_OTLP_SERVICE_NAME", " p2p-api "),
            ("P2P_OTLP_SAMPLE_RATIO", "0.25"),
        ];
        let settings = from_env(&vars).ok().flatten();
        let settings = settings.unwrap_or_else(|| panic!("export on"));
        assert_eq!(settings.service_name, "p2p-api");
        assert!((settings.sample_ratio - 0.25).abs() < f64::EPSILON);
        let vars = [
            ("P2P_OTLP_ENDPOINT", "http://c:4318"),
            ("P2P_OTLP_SAMPLE_RATIO", "0"),
        ];
        assert!(from_env(&vars).is_ok_and(|s| s.is_some_and(|s| s.sample_ratio == 0.0)));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("P2P_OTLP_ENDPOINT", "collector:4318"),
            ("P2P_OTLP_ENDPOINT", "grpc://127.0.0.1:4317"),
            ("P2P_OTLP_ENDPOINT", "not a url"),
            ("P2P_OTLP_SAMPLE_RATIO", "1.5"),
            ("P2P_OTLP_SAMPLE_RATIO", "-0.1"),
            ("P2P_OTLP_SAMPLE_RATIO", "NaN"),
            ("P2P_OTLP_SAMPLE_RATIO", "half"),
            ("P2P_OTLP_SERVICE_NAME", "a\u{7}b"),
            ("P2P_OTLP_ENDPOINTS", "http://127.0.0.1:4318"),
        ] {
            let mut vars = vec![(var, value)];
            if var != "P2P_OTLP_ENDPOINT" {
                vars.push(("P2P_OTLP_ENDPOINT", "http://127.0.0.1:4318/v1/traces"));
            }
            let result = from_env(&vars);
            assert_eq!(key(result).as_deref(), Some(var), "{var}={value}");
        }
    }

    #[test]
    fn the_settings_reach_a_spawned_server() {
        let mut config = Config::default();
        config.otlp.endpoint = Some("http://127.0.0.1:4318/v1/traces".into());
        config.otlp.sample_ratio = 0.5;
        let vars = config.to_env_vars();
        let has = |k: &str, v: &str| vars.iter().any(|(key, value)| key == k && value == v);
        assert!(
            has("P2P_OTLP_ENDPOINT", "http://127.0.0.1:4318/v1/traces"),
            "{vars:?}"
        );
        assert!(has("P2P_OTLP_SAMPLE_RATIO", "0.5"), "{vars:?}");
        assert!(has("P2P_OTLP_SERVICE_NAME", "p2p-server"), "{vars:?}");
    }
}
