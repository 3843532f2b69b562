#[cfg(target_arch = "wasm32")]
fn main() {
    keyturn::ui::mount();
}

// The binary is only meaningful in the browser; natively it exists so `cargo build` stays green.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
