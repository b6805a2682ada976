//! A burst of sign-ins for usernames that do not exist costs what the password checks need and
//! no more: 200 at once must not raise the portal's peak memory by more than 256 MiB. (Argon2's
//! 19 MiB workspace, taken afresh for each check, once took a portal from 60 to 480 MiB.) Alone
//! in its own test binary, so nothing else in the process moves the peak.

mod common;

use axum::http::StatusCode;

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_unknown_sign_ins_at_once_stay_within_the_memory_budget() {
    let p = common::portal().await;
    // One known sign-in first, so the decoy hash and the first workspace exist before the peak
    // is read.
    p.sign_in("ann", "not her password").await;
    let before = peak_kib();
    let burst: Vec<_> = (0..200)
        .map(|n| {
            let p = p.clone();
            tokio::spawn(async move {
                p.sign_in_from(
                    &format!("198.51.{}.{}", n / 200, n % 200 + 1),
                    &format!("nobody-{n}"),
                    "wrong password",
                )
                .await
                .status
            })
        })
        .collect();
    for answer in burst {
        assert_eq!(answer.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    let grown_mib = (peak_kib() - before) / 1024;
    assert!(grown_mib <= 256, "the peak grew by {grown_mib} MiB");
    println!("peak memory grew by {grown_mib} MiB for 200 unknown sign-ins");
}
