mod cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::run(std::env::args().skip(1).collect()).await
}
