//! One integration test binary (faster to link than one per file); modules by area.

mod suite;
