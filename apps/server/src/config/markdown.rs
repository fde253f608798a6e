//! `P2P_MARKDOWN_IMAGE_HOSTS`: the hosts whose images Markdown may show.

use super::ConfigError;
use url::Url;

const KEY: &str = "markdown_image_hosts";

/// Comma-separated host names (`images.example.com`), lower-cased; empty when
/// unset: then Markdown shows only this server's files, and every other image
/// becomes a link.
pub(super) fn image_hosts(list: &str) -> Result<Vec<String>, ConfigError> {
    list
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|host| {
            let lower = host.to_ascii_lowercase();
            let parsed = Url::parse(&format!("https://{lower}/")).ok();
            let plain = parsed.as_ref().is_some_and(|u| {
                u.host_str() == Some(lower.as_str()) && u.port().is_none() && u.path() == "/"
            });
            if plain {
                Ok(lower)
            } else {
                Err(ConfigError::new(
                    KEY,
                    format!("{host:?} is not a host name (write images.example.com, without scheme, port or path)"),
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_plain_host_names() {
        assert_eq!(
            image_hosts(" Images.Example.com, cdn.example ,"),
            Ok(vec![
                "images.example.com".to_owned(),
                "cdn.example".to_owned()
            ])
        );
        assert_eq!(image_hosts(""), Ok(vec![]));
        for bad in [
            "https://images.example",
            "images.example/x",
            "a b",
            "host:8080",
            "u@host",
        ] {
            let err = image_hosts(bad).err();
            assert_eq!(
                err.map(|e| e.key),
                Some("P2P_MARKDOWN_IMAGE_HOSTS".to_owned()),
                "{bad}"
            );
        }
    }
}
