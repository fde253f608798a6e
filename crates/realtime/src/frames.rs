//! The WebSocket protocol: JSON text frames tagged by `type`.
//!
//! Client → server: `subscribe {channel, since?}`, `unsubscribe {channel}`, `ping`.
//! Server → client: `event {channel, seq, event, data}`, `subscribed {channel, seq}`,
//! `unsubscribed {channel}`, `error {code, message, channel?}`, `pong`,
//! `resync_required {channel, from_seq}`.
//!
//! Both enums are the schemas `WsClientFrame` and `WsServerFrame` of the OpenAPI
//! document (the socket operations point at them), so generated clients type the
//! frames exactly as they are serialized here.

use crate::channel::Channel;
use bytes::Bytes;
use p2p_kernel::Code;
use serde::{Deserialize, Serialize};

/// A frame sent by a client (a JSON text frame).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = WsClientFrame)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Start receiving a channel's events. With `since` (the last `seq` the
    /// client saw), every retained event after it is replayed first.
    Subscribe {
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    /// Stop receiving a channel's events.
    Unsubscribe { channel: String },
    /// Answered by `pong`.
    Ping,
}

/// A frame sent by the server.
///
/// After `subscribe`, the server answers `subscribed {seq}` where `seq` is the
/// channel's latest sequence number at that moment; then, if `since` was given,
/// the events `since+1 ..= seq` (or `resync_required` when some of them are no
/// longer retained); then live events from `seq + 1` on, each exactly once and in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = WsServerFrame)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// One event of a subscribed channel.
    Event {
        channel: String,
        /// Position in the channel: +1 per event, starting at 1.
        seq: u64,
        /// Dotted event name (`post.created`, `message.created`...).
        event: String,
        /// The event's object (a replayed event carries its current state; a
        /// deleted object only its `id`).
        data: serde_json::Value,
    },
    /// The subscription is active; `seq` is the channel's latest sequence number.
    Subscribed { channel: String, seq: u64 },
    /// The subscription is gone.
    Unsubscribed { channel: String },
    /// A frame was refused; the socket stays open.
    Error {
        /// A code of the one registry of problem codes: `invalid_frame`,
        /// `invalid_channel`, `forbidden`, `not_found`, `too_many_subscriptions`,
        /// `unsupported`, `rate_limited`, `service_unavailable`...
        code: Code,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
    },
    /// The answer to `ping`.
    Pong,
    /// Events the client asked for (or was owed) are no longer retained: the
    /// client reloads the channel's state over HTTP. Live events continue with
    /// sequence number `from_seq`.
    ResyncRequired { channel: String, from_seq: u64 },
}

/// The `pong` frame, preencoded.
pub(crate) const PONG: &[u8] = br#"{"type":"pong"}"#;

impl ServerFrame {
    /// An `error` frame.
    pub fn error(code: Code, message: impl Into<String>, channel: Option<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
            channel,
        }
    }

    /// The JSON text of this frame.
    pub fn encode(&self) -> Bytes {
        match serde_json::to_vec(self) {
            Ok(json) => Bytes::from(json),
            // Unreachable in practice: every field serializes.
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a server frame");
                Bytes::from_static(
                    br#"{"type":"error","code":"internal","message":"internal error"}"#,
                )
            }
        }
    }
}

/// An `event` frame with its sequence number left open: the replay log fills
/// it in when it assigns the number, so that the frame is encoded once and
/// shared by every subscriber.
#[derive(Clone, Debug)]
pub struct EventTemplate {
    prefix: String,
    suffix: String,
    /// The event's key in its channel (see [`p2p_kernel::Event::key`]).
    key: Option<String>,
}

impl EventTemplate {
    /// The template of `event` with `data` on `channel`.
    pub fn new(
        channel: &Channel,
        event: &str,
        data: &serde_json::Value,
    ) -> Result<Self, serde_json::Error> {
        Self::with_data_json(channel, event, &serde_json::to_string(data)?)
    }

    /// The template of `event` on `channel` whose data is the JSON text
    /// `data` (already encoded, e.g. once for several events).
    pub(crate) fn with_data_json(
        channel: &Channel,
        event: &str,
        data: &str,
    ) -> Result<Self, serde_json::Error> {
        let channel = serde_json::to_string(&channel.to_string())?;
        let event = serde_json::to_string(event)?;
        Ok(Self {
            prefix: format!(r#"{{"type":"event","channel":{channel},"seq":"#),
            suffix: format!(r#","event":{event},"data":{data}}}"#),
            key: None,
        })
    }

    /// The same template identified by `key` in its channel: a log that
    /// still holds an event with this key does not append it again.
    pub fn with_key(mut self, key: Option<String>) -> Self {
        self.key = key;
        self
    }

    /// The event's key in its channel, if it has one.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The text before the sequence number.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The text after the sequence number.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// The complete frame for sequence number `seq`.
    pub fn render(&self, seq: u64) -> Bytes {
        let seq = seq.to_string();
        let mut frame = String::with_capacity(self.prefix.len() + seq.len() + self.suffix.len());
        frame.push_str(&self.prefix);
        frame.push_str(&seq);
        frame.push_str(&self.suffix);
        Bytes::from(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ids::TopicId;
    use serde_json::json;

    fn parse_client(text: &str) -> Option<ClientFrame> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn client_frames_follow_the_contract() {
        assert_eq!(
            parse_client(r#"{"type":"subscribe","channel":"topic:x","since":7}"#),
            Some(ClientFrame::Subscribe {
                channel: "topic:x".into(),
                since: Some(7)
            })
        );
        assert_eq!(
            parse_client(r#"{"type":"subscribe","channel":"topic:x"}"#),
            Some(ClientFrame::Subscribe {
                channel: "topic:x".into(),
                since: None
            })
        );
        assert_eq!(
            parse_client(r#"{"type":"subscribe","channel":"topic:x","since":null}"#),
            Some(ClientFrame::Subscribe {
                channel: "topic:x".into(),
                since: None
            })
        );
        assert_eq!(
            parse_client(r#"{"type":"unsubscribe","channel":"user:y"}"#),
            Some(ClientFrame::Unsubscribe {
                channel: "user:y".into()
            })
        );
        assert_eq!(parse_client(r#"{"type":"ping"}"#), Some(ClientFrame::Ping));
        for bad in [
            r#"{"type":"publish","channel":"topic:x"}"#,
            r#"{"type":"subscribe"}"#,
            r#"{"type":"subscribe","channel":"topic:x","since":-1}"#,
            r#"{"channel":"topic:x"}"#,
            "ping",
        ] {
            assert_eq!(parse_client(bad), None, "{bad}");
        }
    }

    #[test]
    fn server_frames_follow_the_contract() {
        let cases = [
            (
                ServerFrame::Subscribed {
                    channel: "topic:x".into(),
                    seq: 3,
                },
                json!({"type": "subscribed", "channel": "topic:x", "seq": 3}),
            ),
            (
                ServerFrame::Unsubscribed {
                    channel: "topic:x".into(),
                },
                json!({"type": "unsubscribed", "channel": "topic:x"}),
            ),
            (
                ServerFrame::error(Code::Forbidden, "no", Some("org:y".into())),
                json!({"type": "error", "code": "forbidden", "message": "no", "channel": "org:y"}),
            ),
            (
                ServerFrame::error(Code::InvalidFrame, "bad", None),
                json!({"type": "error", "code": "invalid_frame", "message": "bad"}),
            ),
            (ServerFrame::Pong, json!({"type": "pong"})),
            (
                ServerFrame::ResyncRequired {
                    channel: "topic:x".into(),
                    from_seq: 9,
                },
                json!({"type": "resync_required", "channel": "topic:x", "from_seq": 9}),
            ),
        ];
        for (frame, expected) in cases {
            let encoded: serde_json::Value =
                serde_json::from_slice(&frame.encode()).unwrap_or_default();
            assert_eq!(encoded, expected);
        }
        assert_eq!(ServerFrame::Pong.encode().as_ref(), PONG);
    }

    #[test]
    fn event_template_renders_the_same_frame_as_serde() {
        let channel = Channel::topic(TopicId::new());
        let data = json!({"id": 1, "body": "a \"quoted\"\nline", "big": 12345678901234567_u64});
        let template = EventTemplate::new(&channel, "post.created", &data);
        let rendered = template.map(|t| t.render(42)).unwrap_or_default();
        let expected = ServerFrame::Event {
            channel: channel.to_string(),
            seq: 42,
            event: "post.created".into(),
            data,
        };
        assert_eq!(rendered, expected.encode());
        let back: Option<ServerFrame> = serde_json::from_slice(&rendered).ok();
        assert_eq!(back, Some(expected));
    }
}
