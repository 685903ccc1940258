//! Whole-configuration tests.
