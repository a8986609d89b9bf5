//! An empty Tauri 2 app: one window, one static page. The baseline of the "app at rest"
//! benchmark (benches/desktop/at-rest.py).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the empty app runs");
}
