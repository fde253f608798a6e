//! The run's own Redis keys (those under its prefix) by family: how many,
//! the memory Redis reports for them (`MEMORY USAGE`, samples included) and
//! how long one of them still had to live (`PTTL`). The server-wide
//! `used_memory` counts every other user of a shared Redis too; this says
//! what the run itself keeps there, and whether each family is bounded.

use deadpool_redis::redis;
use std::collections::BTreeMap;

/// Keys asked about per `SCAN` step (and per pipelined `MEMORY USAGE`).
const SCAN_COUNT: usize = 1000;

/// The keys of one family (`rt:log`, `rt:key`, `rl:login`...).
#[derive(Debug, Default)]
pub struct Family {
    pub keys: u64,
    pub bytes: u64,
    /// One key of the family, to ask its time to live.
    example: String,
}

/// The family of a key (without the prefix): its first two segments, or
/// fewer when a segment is not a word (an id, a number, an address).
pub fn family_of(key: &str) -> String {
    let word = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let words: Vec<&str> = key.split(':').take(2).take_while(word).collect();
    if words.is_empty() {
        "(other)".to_owned()
    } else {
        words.join(":")
    }
}

/// The run's keys under `prefix`, by family.
pub async fn families(url: &str, prefix: &str) -> redis::RedisResult<BTreeMap<String, Family>> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(&mut conn)
            .await?;
        let mut sizes = redis::pipe();
        for key in &keys {
            sizes.cmd("MEMORY").arg("USAGE").arg(key);
        }
        let sizes: Vec<Option<u64>> = if keys.is_empty() {
            Vec::new()
        } else {
            sizes.query_async(&mut conn).await?
        };
        for (key, size) in keys.iter().zip(sizes) {
            let name = family_of(key.strip_prefix(prefix).unwrap_or(key));
            let family = families.entry(name).or_default();
            family.keys += 1;
            family.bytes += size.unwrap_or(0);
            if family.example.is_empty() {
                family.example.clone_from(key);
            }
        }
        if next == 0 {
            return Ok(families);
        }
        cursor = next;
    }
}

/// The families as a table: keys, MiB, and one key's remaining time to live.
pub async fn print(url: &str, families: &BTreeMap<String, Family>) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    println!(
        "{:<20} {:>8} {:>9} {:>14}",
        "redis keys", "keys", "MiB", "one's TTL (s)"
    );
    for (name, family) in families {
        let ttl_ms: i64 = redis::cmd("PTTL")
            .arg(&family.example)
            .query_async(&mut conn)
            .await?;
        let ttl = match ttl_ms {
            -1 => "none".to_owned(),
            ms if ms < 0 => "gone".to_owned(),
            ms => format!("{:.0}", ms as f64 / 1000.0),
        };
        println!(
            "{name:<20} {:>8} {:>9.2} {ttl:>14}",
            family.keys,
            family.bytes as f64 / 1_048_576.0
        );
    }
    Ok(())
}

/// Bytes of every family together.
pub fn total_bytes(families: &BTreeMap<String, Family>) -> u64 {
    families.values().map(|f| f.bytes).sum()
}

#[cfg(test)]
mod tests {
    use super::family_of;

    #[test]
    fn families_are_the_leading_words() {
        assert_eq!(family_of("rt:log:topic:0b4e"), "rt:log");
        assert_eq!(family_of("rt:key:user:1:abc"), "rt:key");
        assert_eq!(family_of("dashboard:stats:0b4e-11"), "dashboard:stats");
        assert_eq!(family_of("rl:127.0.0.1"), "rl");
        assert_eq!(family_of("0b4e"), "(other)");
    }
}
