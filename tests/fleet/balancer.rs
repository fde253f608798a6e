//! HAProxy in front of the instances, configured here: round robin over the instances,
//! each health-checked on `/health/ready` every 2 s (down after 2 failures, up after 2
//! successes), one request per connection to an instance (so that a request never goes out
//! on a kept-alive connection to an instance that died), connection failures retried on
//! another instance, timeouts that keep a
//! WebSocket open (`timeout tunnel`), each request logged with the drill's request id, the
//! instance that answered and its status. Its admin socket tells each instance's state and
//! puts one in maintenance (a run on fewer instances).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The health check's interval and fall count: an instance that stops answering ready is out
/// of rotation within `INTER_SECS * FALL` (plus a check's time).
pub const INTER_SECS: u64 = 2;
pub const FALL: u64 = 2;
/// The backend's name in the configuration.
const BACKEND: &str = "app";

pub struct Balancer {
    pub base: String,
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

/// One request as HAProxy logged it.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The instance it was sent to last (`<NOSRV>` when none).
    pub server: String,
    /// The status sent to the client (-1: none).
    pub status: i32,
    /// HAProxy's termination state (`--`: normal; `SH`: the server closed or reset
    /// before answering).
    pub termination: String,
}

/// The configuration for a frontend on `port` over `servers` (name, port).
pub fn config(port: u16, servers: &[(String, u16)], socket: &Path) -> String {
    let mut text = format!(
        "global
    log stdout format raw local0
    stats socket {socket} mode 600 level admin
    # maxconn: HAProxy derives it from the descriptor limit it inherits

defaults
    mode http
    timeout connect 5s
    # idle client connections are kept longer than clients keep them (reqwest: 90 s), so a
    # client never sends a request on a connection the balancer is closing
    timeout client 100s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 100s
    # a WebSocket, once upgraded, is a tunnel: it may stay quiet for long
    timeout tunnel 1h
    timeout client-fin 5s
    timeout check 2s
    # a refused connection is tried again, on another instance
    retries 3
    option redispatch
    # a connection to an instance serves one request: an idle kept-alive connection to an
    # instance killed meanwhile would take the next request, which HAProxy cannot resend
    # (the instance may have read it), so the client would lose it; a fresh connection to a
    # dead instance is refused, and a refused connection is retried elsewhere
    option http-server-close
    option forwardfor

frontend web
    bind 127.0.0.1:{port}
    log stdout format raw local0
    http-request capture req.hdr({header}) len 24
    log-format \"%[capture.req.hdr(0)] %s %ST %ts %Ta %cp %rc\"
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter {INTER_SECS}s fall {FALL} rise 2
",
        socket = socket.display(),
        header = p2p_tests::drill::traffic::REQUEST_ID_HEADER,
    );
    for (name, server_port) in servers {
        text.push_str(&format!(
            "    server {name} 127.0.0.1:{server_port} check\n"
        ));
    }
    text
}

impl Balancer {
    /// Writes the configuration into `dir`, checks it (`haproxy -c`), starts `program` in the
    /// foreground (its log in `dir/haproxy.log`) and waits until every server is up.
    pub async fn start(program: &Path, dir: &Path, servers: &[(String, u16)]) -> Self {
        let port = p2p_tests::process::free_port();
        let socket = dir.join("haproxy.sock");
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config(port, servers, &socket)).expect("haproxy.cfg");
        let check = Command::new(program)
            .arg("-c")
            .arg("-f")
            .arg(&path)
            .output()
            .expect("haproxy -c");
        assert!(
            check.status.success(),
            "haproxy rejects {}: {}",
            path.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        let log = dir.join("haproxy.log");
        let file = std::fs::File::create(&log).expect("haproxy.log");
        let child = Command::new(program)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("haproxy.log"))
            .stderr(file)
            .spawn()
            .expect("starting haproxy");
        let balancer = Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
            socket,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(&balancer.socket).is_err() {
            assert!(
                Instant::now() < deadline,
                "haproxy did not open its admin socket within 30 s (log {})",
                balancer.log.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for (name, _) in servers {
            balancer.wait_for(name, "UP", Duration::from_secs(60)).await;
        }
        balancer
    }

    /// One line to the admin socket; its answer.
    fn ask(&self, line: &str) -> String {
        let mut stream = UnixStream::connect(&self.socket).expect("haproxy admin socket");
        stream
            .write_all(format!("{line}\n").as_bytes())
            .expect("haproxy admin socket");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("haproxy admin socket");
        answer
    }

    /// Each server's state as HAProxy's `show stat` gives it (`UP`, `DOWN`, `UP 1/2`, `MAINT`).
    pub fn states(&self) -> HashMap<String, String> {
        let csv = self.ask("show stat");
        let mut lines = csv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap_or_default()
            .trim_start_matches("# ")
            .split(',')
            .collect();
        let column = |name: &str| header.iter().position(|c| *c == name).expect("stat column");
        let (proxy, server, status) = (column("pxname"), column("svname"), column("status"));
        lines
            .map(|line| line.split(',').collect::<Vec<_>>())
            .filter(|f| f.len() > status && f[proxy] == BACKEND && f[server] != "BACKEND")
            .map(|f| (f[server].to_owned(), f[status].to_owned()))
            .collect()
    }

    /// Waits until `server` is in `state` (see [`Balancer::states`]); how long it took.
    pub async fn wait_for(&self, server: &str, state: &str, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if self.states().get(server).map(String::as_str) == Some(state) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "haproxy did not see {server} {state} within {within:?}: {:?}",
                self.states()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Takes `server` out of rotation (`maint`) or puts it back (`ready`).
    pub fn set_state(&self, server: &str, state: &str) {
        let answer = self.ask(&format!("set server {BACKEND}/{server} state {state}"));
        assert!(answer.trim().is_empty(), "haproxy: {answer}");
    }

    /// `show info`'s `Maxconn` and `Ulimit-n`: how many connections HAProxy accepts at once
    /// and the descriptors it has.
    pub fn limits(&self) -> (u64, u64) {
        let info = self.ask("show info");
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        (field("Maxconn"), field("Ulimit-n"))
    }

    /// Every request logged so far that carried a drill request id, by id.
    pub fn logged(&self) -> HashMap<usize, Logged> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let [id, server, status, termination, ..] = fields[..] else {
                    return None;
                };
                Some((
                    id.parse().ok()?,
                    Logged {
                        server: server.to_owned(),
                        status: status.parse().ok()?,
                        termination: termination.to_owned(),
                    },
                ))
            })
            .collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_checks_readiness_and_keeps_sockets_open() {
        let servers = [("s1".to_owned(), 4001), ("s2".to_owned(), 4002)];
        let text = config(8080, &servers, Path::new("/tmp/h.sock"));
        assert!(text.contains("option httpchk GET /health/ready"));
        assert!(text.contains("inter 2s fall 2"));
        assert!(text.contains("timeout tunnel 1h"));
        assert!(text.contains("option http-server-close"));
        assert!(text.contains("server s2 127.0.0.1:4002 check"));
    }
}
