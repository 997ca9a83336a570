//! The README's licence section lists exactly the crates `cargo metadata` resolves today
//! (scripts/licenses.py writes it; this fails when a dependency changed and it was not rerun).

use std::path::Path;
use std::process::Command;

#[test]
fn licence_list_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("python3")
        .arg(root.join("scripts/licenses.py"))
        .arg("--check")
        .current_dir(&root)
        .output()
        .expect("python3 runs scripts/licenses.py");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
