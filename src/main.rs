use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("exabgp: not implemented yet");
    ExitCode::from(1)
}
