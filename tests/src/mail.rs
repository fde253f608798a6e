//! Reading the emails the server sent: the SMTP sink's Maildir (full stack)
//! or the `.eml` files of the embedded mail transport.

use std::path::{Path, PathBuf};
use std::time::Duration;

fn message_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            message_files(&path, out);
        } else if path.extension().is_none_or(|e| e != "tmp") {
            // A `.tmp` file is an email still being written (renamed when complete).
            out.push(path);
        }
    }
}

/// Decodes quoted-printable soft line breaks and `=3D` so links can be read.
fn unfold(text: &str) -> String {
    text.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// Every message under `dir` addressed to `recipient`, oldest first.
pub fn messages_to(dir: &Path, recipient: &str) -> Vec<String> {
    let mut files = Vec::new();
    message_files(dir, &mut files);
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| unfold(&t))
        .filter(|t| {
            t.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(recipient))
        })
        .collect()
}

/// Waits (polling, bounded) until `count` messages to `recipient` exist.
pub async fn wait_for(dir: &Path, recipient: &str, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let found = messages_to(dir, recipient);
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {count} email(s) to {recipient} in {}, found {}",
        dir.display(),
        messages_to(dir, recipient).len()
    );
}

/// The first URL in `message` that contains `needle`, and its `token` query value.
pub fn link_token(message: &str, needle: &str) -> Option<String> {
    let start = message.find(needle)?;
    let rest = &message[start..];
    let token_at = rest.find("token=")? + "token=".len();
    let token: String = rest[token_at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}
