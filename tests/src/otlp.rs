//! A small OTLP/HTTP trace receiver, as a collector would be: it accepts
//! `POST /v1/traces` (protobuf), keeps the spans, and answers 200.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One exported span, with its resource's `service.name`.
#[derive(Clone, Debug)]
pub struct Received {
    pub service_name: String,
    pub span: Span,
}

impl Received {
    /// The string, integer or boolean value of attribute `key`, as text.
    pub fn attribute(&self, key: &str) -> Option<String> {
        let value = self.span.attributes.iter().find(|kv| kv.key == key)?;
        value.value.as_ref().and_then(text)
    }

    /// Every attribute as `key=value` (to look for what must not be there).
    pub fn attributes_text(&self) -> String {
        let pairs: Vec<String> = self
            .span
            .attributes
            .iter()
            .map(|kv| {
                format!(
                    "{}={}",
                    kv.key,
                    kv.value.as_ref().and_then(text).unwrap_or_default()
                )
            })
            .collect();
        format!("{} {}", self.span.name, pairs.join(" "))
    }

    pub fn trace_id(&self) -> String {
        hex(&self.span.trace_id)
    }

    pub fn span_id(&self) -> String {
        hex(&self.span.span_id)
    }

    pub fn parent_span_id(&self) -> String {
        hex(&self.span.parent_span_id)
    }
}

fn text(value: &AnyValue) -> Option<String> {
    match value.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receiver, listening on a free port of 127.0.0.1 until dropped.
pub struct Receiver {
    pub port: u16,
    spans: Arc<Mutex<Vec<Received>>>,
    posts: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let posts = Arc::new(Mutex::new(Vec::new()));
        let (kept, seen) = (spans.clone(), posts.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, kept.clone(), seen.clone()));
            }
        });
        Self {
            port,
            spans,
            posts,
            task,
        }
    }

    /// The traces URL to give the server.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/v1/traces", self.port)
    }

    /// The spans received so far.
    pub fn spans(&self) -> Vec<Received> {
        self.spans.lock().expect("spans").clone()
    }

    /// Each request received, as `METHOD path content-type`.
    pub fn posts(&self) -> Vec<String> {
        self.posts.lock().expect("posts").clone()
    }

    /// Waits up to `within` for a span `found` accepts.
    pub async fn wait_for(&self, within: Duration, found: impl Fn(&Received) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.spans().iter().any(&found) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one connection's requests (HTTP/1.1, kept alive).
async fn serve(
    stream: TcpStream,
    spans: Arc<Mutex<Vec<Received>>>,
    posts: Arc<Mutex<Vec<String>>>,
) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        let mut content_type = String::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "content-type" => content_type = value.trim().to_owned(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let mut words = request_line.split_whitespace();
        let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        posts
            .lock()
            .expect("posts")
            .push(format!("{method} {path} {content_type}"));
        let decoded = ExportTraceServiceRequest::decode(body.as_slice());
        let status = match decoded {
            Ok(request) if method == "POST" && path == "/v1/traces" => {
                spans.lock().expect("spans").extend(flatten(request));
                "200 OK"
            }
            _ => "400 Bad Request",
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
        );
        if stream.get_mut().write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn flatten(request: ExportTraceServiceRequest) -> Vec<Received> {
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service_name = resource_spans
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref().and_then(text))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.push(Received {
                    service_name: service_name.clone(),
                    span,
                });
            }
        }
    }
    received
}
