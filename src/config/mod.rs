//! The ExaBGP configuration language (spec: configuration.md §1–17).
pub mod error;
mod lexer;
pub mod syntax;

pub use error::ConfigError;
