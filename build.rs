// The locale files are compiled in by rust-i18n; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=assets/locales");
    println!("cargo:rerun-if-changed=migrations");
}
