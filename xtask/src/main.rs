//! `cargo xtask <command>`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! One module per command; `cmd` holds what they share (running child processes, timing,
//! workspace metadata). Run `cargo xtask help` for the list.

mod bench;
mod chaos;
mod cmd;
mod coverage;
mod drill;
mod fleet;
mod frontend;
mod fuzz;
mod lint;
mod server;
mod services;
mod soak;
mod test;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command> [args]

Commands:
  services [up|down|status] [name...]
                             make the test services (postgres redis mongodb s3 smtp) answer
                             on 127.0.0.1 (default: up, all), installing what is missing;
                             `down` stops only what xtask started
  test [cargo test args]     services up, fmt check, clippy, the workspace tests on the embedded
                             backends, then the black-box suite `api` against the full stack,
                             the bounded fault drill, soak and fleet drill, the frontend suites
  lint                       fmt check + clippy (what `test` runs before the tests)
  coverage [tarpaulin args]  services up, the crates' tests and the black-box suite (embedded)
                             under cargo-tarpaulin (LLVM engine, installed when missing, own
                             target dir), lines covered per crate; `--exclude p2p-tests`
                             counts the crates' own tests alone
  bench [full|embedded] [section...]
                             services up, build p2p-bench (`perf` profile: optimized), run the
                             sections (auth forum realtime messaging usecases search memory;
                             default all) against the chosen backend (default full); ratios
                             against same-run baselines (memory: p2p-server built per allocator)
  server [args]              build the workspace binaries and run `p2p-server [args]`
  migrate <up|down|status|fresh>
                             p2p-server migrate ...
  seed                       p2p-server seed
  reindex                    p2p-server reindex (rebuild the search index from the stores)
  create-superuser [args]    p2p-server create-superuser ...
  openapi [path]             p2p-server openapi [path] (default: docs/openapi.json)
  fuzz [embedded|full]... [--examples N] [--phases P] [--seed S]
                             the API fuzzer (schemathesis, pinned, in the services' venv) on a
                             private server per backend (default both) with a signed-up user:
                             every check, phases examples,coverage,fuzzing,stateful, 20 cases per
                             operation; fails on any finding (report in <target>/fuzz/)
  soak [embedded|full] [--minutes N] [--sample-secs S]
                             endurance: a private server under steady mixed load for N minutes
                             (default 30, full stack), RSS/descriptors/pool/Redis/p99 sampled
                             every S s (default 60); fails on >5% growth over the second half
  chaos [--hold-secs N] [--backends postgres,redis,mongodb,s3,smtp] [--sockets N] [--optimized]
                             fault drill: private PostgreSQL, Redis, MongoDB-compatible, S3 and
                             SMTP servers on spare ports and a full-stack server under mixed load
                             (N sockets, default 100); each backend stopped, then frozen
                             (SIGSTOP), for the hold (default 30 s) and brought back; per phase
                             requests, 2xx/503/other, p99, recovery, lost writes; fails on any
                             violation (see docs/operations.md)
  fleet [--bounded] [--instances N] [--sockets N] [--users 1000,10000] [--measure-secs N]
        [--max-error-percent P] [--optimized]
                             several instances (default 3) behind HAProxy (installed from the
                             distribution's packages when missing) on private services: a
                             rolling restart and a kill -9 under load (no failed request, sockets
                             resume without gap), then simulated users on one instance and on two;
                             p99 per route and error rate (see docs/operations.md);
                             --optimized (chaos, fleet): server and drill built with the
                             benchmarks' perf profile instead of debug
  codegen                    TypeScript types of the API (clients/typescript/p2p-api.d.ts) from
                             the OpenAPI document, by openapi-typescript (tests/frontend lockfile)
  help                       this text

Services directory: $P2P_SERVICES_DIR, else $HOME/.cache/p2p-sandbox/services. It holds the
logs, the data (mongo/, s3/, maildir/) and state.json (what xtask started). The Python venv for
the MongoDB-compatible server and the SMTP sink is always the sibling `venv` directory of the
services directory (by default $HOME/.cache/p2p-sandbox/venv). Services already answering on
their port are used as they are. $P2P_TEST_SERVICES_PORT_OFFSET (default 0) shifts every port,
for a second set of services beside the usual one (`test` passes the shifted URLs on;
postgres then needs a cluster on the shifted port).
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".to_owned());
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "services" => services::command(&rest).map(|()| ExitCode::SUCCESS),
        "test" => test::command(&rest).map(|()| ExitCode::SUCCESS),
        "lint" => lint::command(&rest).map(|()| ExitCode::SUCCESS),
        "coverage" => coverage::command(&rest).map(|()| ExitCode::SUCCESS),
        "bench" => bench::command(&rest).map(|()| ExitCode::SUCCESS),
        "codegen" => frontend::codegen(&rest).map(|()| ExitCode::SUCCESS),
        "fuzz" => fuzz::command(&rest),
        "soak" => soak::command(&rest).map(|()| ExitCode::SUCCESS),
        "chaos" => chaos::command(&rest),
        "fleet" => fleet::command(&rest),
        "server" => server::run_server(&rest),
        "migrate" | "seed" | "reindex" | "create-superuser" | "openapi" => {
            server::delegate(&command, &rest)
        }
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprint!("{HELP}");
            anyhow::bail!("unknown command `{other}`")
        }
    }
}
