//! Postgres goes away under load and comes back. This stops the Postgres server the other
//! tests use, so it is ignored by default and runs on its own:
//! `cargo nextest run --workspace --run-ignored only` (a step of `.ci/run`).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use catalogue_tests::{Backend, spawn_app_with};
use serde_json::{Value, json};

fn cluster_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("a Debian Postgres cluster under /etc/postgresql")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a cluster version")
}

fn pg_ctlcluster(action: &str) {
    let status = Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &cluster_version(),
            "main",
            action,
        ])
        .args(if action == "stop" {
            vec!["-m", "fast"]
        } else {
            vec![]
        })
        .status()
        .expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

fn postgres_is_up() -> bool {
    Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432", "-q"])
        .status()
        .is_ok_and(|status| status.success())
}

/// Starts Postgres again even when an assertion fails half-way.
struct RestartOnDrop;

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if !postgres_is_up() {
            pg_ctlcluster("start");
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Duration,
    status: u16,
    took: Duration,
}

const LISTING: &str = "{ publications(first: 5) { totalCount nodes { title authorCount } } }";

#[tokio::test]
#[ignore = "stops the machine's Postgres; run alone with --run-ignored only"]
async fn the_service_fails_fast_while_postgres_is_down_and_recovers_by_itself() {
    let app = spawn_app_with(
        Backend::Postgres,
        &[
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "500"),
            ("DATABASE_CONNECT_TIMEOUT_SECS", "1"),
        ],
    )
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let url = format!("{}/graphql", app.address);
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    // Bounded load: 4 clients, one request at a time each, for at most 90 s.
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, stop) = (client.clone(), url.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(90) {
                    let sent = Instant::now();
                    let status = client
                        .post(&url)
                        .json(&json!({ "query": LISTING }))
                        .send()
                        .await
                        .map_or(0, |response| response.status().as_u16());
                    samples.push(Sample {
                        at: started.elapsed(),
                        status,
                        took: sent.elapsed(),
                    });
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                samples
            })
        })
        .collect();
    // One editor writes all along: each acknowledged update must survive the outage.
    let token = app.editor_token("fault-writer").await;
    let created = app
        .graphql_as(
            &token,
            "mutation { createPublication(input: { title: \"Write 0\", kind: OTHER }) { publication { id version } } }",
            json!({}),
        )
        .await;
    let publication_id = created["data"]["createPublication"]["publication"]["id"].clone();
    let writer = tokio::spawn({
        let (client, url, stop, token, id) = (
            client.clone(),
            url.clone(),
            Arc::clone(&stop),
            token.clone(),
            publication_id.clone(),
        );
        async move {
            let mut version = 1;
            let mut acknowledged: Vec<(i64, String)> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(90) {
                n += 1;
                let title = format!("Write {n}");
                let update = json!({
                    "query": "mutation($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { version } userErrors { code } } }",
                    "variables": { "input": { "id": id, "expectedVersion": version, "title": title } },
                });
                let answer = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&update)
                    .send()
                    .await;
                if let Ok(answer) = answer
                    && let Ok(body) = answer.json::<Value>().await
                {
                    let payload = &body["data"]["updatePublication"];
                    if let Some(now) = payload["publication"]["version"].as_i64() {
                        version = now;
                        acknowledged.push((now, title));
                    } else if payload["userErrors"][0]["code"] == "CONFLICT" {
                        // A commit whose answer was lost: read the version again.
                        let read = json!({
                            "query": "query($id: ID!) { node(id: $id) { ... on Publication { version } } }",
                            "variables": { "id": id },
                        });
                        if let Ok(r) = client
                            .post(&url)
                            .bearer_auth(&token)
                            .json(&read)
                            .send()
                            .await
                            && let Ok(body) = r.json::<Value>().await
                            && let Some(now) = body["data"]["node"]["version"].as_i64()
                        {
                            version = now;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            acknowledged
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;

    let _restart = RestartOnDrop;
    pg_ctlcluster("stop");
    let stopped_at = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = client
        .post(&url)
        .json(&json!({ "query": LISTING }))
        .send()
        .await
        .expect("an answer");
    let during_status = during.status().as_u16();
    let during_body: Value = during.json().await.expect("JSON");
    let ready_during = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("an answer")
        .status();
    pg_ctlcluster("start");
    let restarted_at = started.elapsed();
    let mut recovered_after = None;
    while started.elapsed() < restarted_at + Duration::from_secs(30) {
        let response = client
            .post(&url)
            .json(&json!({ "query": LISTING }))
            .send()
            .await;
        if let Ok(response) = response
            && response.status() == 200
        {
            let body: Value = response.json().await.expect("JSON");
            if body["data"]["publications"]["totalCount"] == 6 {
                recovered_after = Some(started.elapsed() - restarted_at);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready_after = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("an answer")
        .status();
    // Let the writer commit a few more after the recovery.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let acknowledged = writer.await.expect("the writer task");
    let last = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { title version } } }",
            json!({ "id": publication_id }),
        )
        .await["data"]["node"]
        .clone();
    let mut samples = Vec::new();
    for handle in clients {
        samples.extend(handle.await.expect("a client task"));
    }

    assert_eq!(during_status, 503, "{during_body}");
    assert_eq!(
        during_body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{during_body}"
    );
    assert!(
        !during_body.to_string().contains("5432"),
        "the error leaks connection details: {during_body}"
    );
    assert_eq!(ready_during, 503);
    let recovered_after =
        recovered_after.expect("the service answers again within 30 s of the restart");
    assert_eq!(ready_after, 200);
    let outage: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at > stopped_at + Duration::from_millis(500) && s.at + s.took < restarted_at)
        .collect();
    assert!(!outage.is_empty(), "no request was sent during the outage");
    assert!(outage.iter().all(|s| s.status == 503), "{outage:?}");
    let slowest = samples.iter().map(|s| s.took).max().unwrap_or_default();
    assert!(
        slowest < Duration::from_secs(5),
        "a request hung for {slowest:?}"
    );
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at > restarted_at + recovered_after + Duration::from_millis(200))
        .collect();
    assert!(after.iter().all(|s| s.status == 200), "{after:?}");
    // Every acknowledged write is still there: each bumped the version once, and the last
    // one's title is the title now.
    let before_stop = acknowledged
        .iter()
        .filter(|(version, _)| *version > 1)
        .count();
    assert!(before_stop > 0, "no write was acknowledged");
    let (last_version, last_title) = acknowledged.last().cloned().expect("a write");
    assert_eq!(
        last["version"].as_i64(),
        Some(last_version),
        "{last} {acknowledged:?}"
    );
    assert_eq!(last["title"].as_str(), Some(last_title.as_str()));
    assert!(
        last_version > acknowledged.len() as i64,
        "acknowledged writes are missing: {acknowledged:?}"
    );
    eprintln!(
        "{} requests; {} during the outage, all 503; slowest {slowest:?}; recovered {recovered_after:?} after the restart; {} writes acknowledged, all kept (version {last_version})",
        samples.len(),
        outage.len(),
        acknowledged.len()
    );
}
