//! Build script: only tells cargo to re-embed the SQL migrations when they change
//! (`sqlx::migrate!` cannot watch a directory by itself on stable Rust).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
