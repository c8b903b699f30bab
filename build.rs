//! The console's files are embedded with `include_dir!`, whose `include_bytes!` tracks the
//! files it found; a file added to or removed from `console/` must rebuild the crate too.

fn main() {
    println!("cargo::rerun-if-changed=console");
}
