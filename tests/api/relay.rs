//! A Relay project compiles against the exported `schema.graphql`: its fragments use
//! `totalCount`, `pageInfo`, `edges` and `nodes` on every connection, both directions of
//! paging, `@connection` and `@refetchable` (`tests/relay/src/Catalogue.js`). It needs
//! Node.js and `npm ci` in `tests/relay`, which `.ci/run` provides; so it is ignored by
//! default and runs with `--run-ignored only`.

use std::process::Command;

#[test]
#[ignore = "needs node and tests/relay/node_modules; .ci/run provides them"]
fn a_relay_project_compiles_against_the_exported_schema() {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/relay");
    let output = Command::new("npm")
        .args(["run", "--silent", "check"])
        .current_dir(project)
        .output()
        .expect("npm runs (install Node.js, then `npm ci` in tests/relay)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Relay compiler refused the fragments:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Compilation completed"),
        "{stdout}\n{stderr}"
    );
}
