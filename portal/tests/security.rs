//! The portal as an attacker who has read its code meets it: parallel guesses, replays, forged
//! headers, enumeration by status and timing, odd ids, floods and traversal. Each case names the
//! weakness it closes.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carefront_portal::accounts::commands::{self, UserCommand};
use carefront_portal::demo::BEN_TOTP_SECRET;
use carefront_portal::infra::time;
use carefront_portal::session::lockout::{FREE_CODES, FREE_PER_ACCOUNT, FREE_PER_CLIENT};
use carefront_portal::session::throttle;
use carefront_portal::session::totp;
use common::{Answer, Call, PASSWORD, Portal, all, portal, portal_with};
use serde_json::json;
use std::time::Instant;

fn reasons(answers: &[Answer], reason: &str) -> usize {
    answers.iter().filter(|a| a.reason() == reason).count()
}

// --- Sign-in under automated attack -------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_each_count() {
    let p = portal().await;
    // One short of the throttle, so what answers the right password is the lock.
    let guesses = (0..(throttle::SIGN_IN_LIMIT as usize) - 1).map(|n| {
        let p = p.clone();
        async move { p.sign_in("ann", &format!("guess-{n}")).await }
    });
    let answers = all(guesses.collect()).await;
    let checked = reasons(&answers, "invalid-credentials");
    assert!(
        checked < FREE_PER_CLIENT as usize,
        "only the free attempts may reach the password check, {checked} did"
    );
    assert_eq!(checked + reasons(&answers, "account-locked"), answers.len());
    let right = p.sign_in("ann", PASSWORD).await;
    assert_eq!(
        right.reason(),
        "account-locked",
        "the guesses locked this network"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_codes_on_one_sign_in_each_count() {
    let p = portal().await;
    let pending = p.sign_in("ben", PASSWORD).await.cookie();
    let guesses = (0..12).map(|n| {
        let (p, pending) = (p.clone(), pending.clone());
        async move { p.code(&pending, &format!("{:06}", 100_000 + n)).await }
    });
    let answers = all(guesses.collect()).await;
    assert!(reasons(&answers, "invalid-code") < FREE_CODES as usize);
    assert!(reasons(&answers, "second-factor-locked") >= 1);
    assert_eq!(
        p.audit_count("action = 'second-factor-locked'").await,
        1,
        "the lockout is audited once"
    );
    // The patient is told on their next sign-in, with the right password.
    let next = p.sign_in("ben", PASSWORD).await;
    assert_eq!(next.status, StatusCode::LOCKED);
    assert_eq!(next.reason(), "second-factor-locked");
    assert!(next.body["retryAfterSeconds"].as_i64().unwrap() > 60);
}

#[tokio::test]
async fn signing_in_again_does_not_reset_the_count_of_wrong_codes() {
    let p = portal().await;
    for round in 0..FREE_CODES {
        let pending = p.sign_in("ben", PASSWORD).await.cookie();
        let wrong = p.code(&pending, "000000").await;
        let expected = if round + 1 < FREE_CODES {
            "invalid-code"
        } else {
            "second-factor-locked"
        };
        assert_eq!(wrong.reason(), expected, "wrong code number {}", round + 1);
    }
    let code = totp::current_code(BEN_TOTP_SECRET, time::now()).unwrap();
    let pending = p.sign_in("ben", PASSWORD).await;
    assert_eq!(pending.reason(), "second-factor-locked");
    assert!(pending.headers.get(header::SET_COOKIE).is_none());
    // The help desk lifts it.
    commands::run(
        &p.state.store,
        UserCommand::Unlock {
            username: "ben".into(),
        },
        || Err("no secret is stored".into()),
    )
    .await
    .unwrap();
    let pending = p.sign_in("ben", PASSWORD).await.cookie();
    assert_eq!(p.code(&pending, &code).await.body["status"], "signed-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_overheard_code_opens_one_session_even_in_a_race() {
    let p = portal().await;
    let a = p.sign_in("ben", PASSWORD).await.cookie();
    let b = p
        .sign_in_from("198.51.100.4", "ben", PASSWORD)
        .await
        .cookie();
    let code = totp::current_code(BEN_TOTP_SECRET, time::now()).unwrap();
    let racers = [a, b].map(|pending| {
        let (p, code) = (p.clone(), code.clone());
        async move { p.code(&pending, &code).await }
    });
    let answers = all(racers.into_iter().collect()).await;
    let signed_in = answers
        .iter()
        .filter(|a| a.body["status"] == "signed-in")
        .count();
    assert_eq!(signed_in, 1, "{answers:?}");
    // The loser is the same to its browser as a wrong code, but the help desk sees a reused one.
    let loser = answers
        .iter()
        .find(|a| a.body["status"] != "signed-in")
        .unwrap();
    assert_eq!(loser.reason(), "invalid-code");
    assert_eq!(
        p.audit_count("action = 'sign-in-refused' AND detail LIKE '%code-reused%'")
            .await,
        1
    );
    // A wrong code is not taken for a reused one.
    let c = p.sign_in("ben", PASSWORD).await.cookie();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(p.code(&c, wrong).await.reason(), "invalid-code");
    assert_eq!(
        p.audit_count("action = 'sign-in-refused' AND detail LIKE '%code-reused%'")
            .await,
        1
    );
}

// --- No one can lock a patient out forever, and lockout reveals nothing -------------------

#[tokio::test]
async fn unknown_and_known_usernames_answer_alike_even_when_locked() {
    let p = portal().await;
    for n in 0..FREE_PER_CLIENT {
        let known = p.sign_in("ann", "wrong").await;
        let unknown = p.sign_in("no-such-person", "wrong").await;
        assert_eq!(known.status, unknown.status, "attempt {n}");
        assert_eq!(known.body, unknown.body, "attempt {n}");
        assert_eq!(
            known.headers.get(header::RETRY_AFTER),
            unknown.headers.get(header::RETRY_AFTER)
        );
    }
    let mut known = p.sign_in("ann", "wrong").await;
    let mut unknown = p.sign_in("no-such-person", "wrong").await;
    assert_eq!(known.reason(), "account-locked");
    // The clock may tick between the two calls; the wait is otherwise the same.
    let wait = |a: &mut Answer| a.body.as_object_mut().unwrap().remove("retryAfterSeconds");
    let (k, u) = (wait(&mut known).unwrap(), wait(&mut unknown).unwrap());
    assert!(
        (k.as_i64().unwrap() - u.as_i64().unwrap()).abs() <= 1,
        "{k} against {u}"
    );
    assert_eq!(
        known.body, unknown.body,
        "locking says nothing about the account"
    );
}

#[tokio::test]
async fn unknown_usernames_take_as_long_as_known_ones() {
    let p = portal().await;
    // Each from its own network, so no lock shortens the path. Medians of 15 interleaved pairs:
    // with 9, a busy machine (the other tests' hashing threads alongside) once tipped one median.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for n in 0..15 {
        let started = Instant::now();
        p.sign_in_from(&format!("198.51.100.{n}"), "ann", "wrong")
            .await;
        known.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        p.sign_in_from(&format!("203.0.113.{n}"), "nobody-here", "wrong")
            .await;
        unknown.push(started.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (k, u) = (median(&mut known), median(&mut unknown));
    assert!(
        u > k * 0.6 && k > u * 0.6,
        "known {k:.4}s against unknown {u:.4}s: timing tells them apart"
    );
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_patient_out() {
    let p = portal().await;
    for _ in 0..FREE_PER_CLIENT + 3 {
        p.sign_in_from("198.51.100.66", "ann", "guess").await;
    }
    assert_eq!(
        p.sign_in_from("198.51.100.66", "ann", PASSWORD)
            .await
            .reason(),
        "account-locked"
    );
    let at_home = p.sign_in_from("203.0.113.9", "ann", PASSWORD).await;
    assert_eq!(at_home.body["status"], "signed-in");
}

#[tokio::test]
async fn guessing_from_many_networks_locks_new_ones_but_not_the_patients_own() {
    let p = portal().await;
    assert_eq!(
        p.sign_in_from("203.0.113.9", "ann", PASSWORD).await.body["status"],
        "signed-in",
        "Ann has signed in from home before"
    );
    for n in 0..FREE_PER_ACCOUNT {
        p.sign_in_from(&format!("10.9.{}.{}", n / 200, n % 200), "ann", "guess")
            .await;
    }
    let new_network = p.sign_in_from("192.0.2.200", "ann", PASSWORD).await;
    assert_eq!(new_network.reason(), "account-locked");
    let at_home = p.sign_in_from("203.0.113.9", "ann", PASSWORD).await;
    assert_eq!(at_home.body["status"], "signed-in");
}

#[tokio::test]
async fn a_turned_off_account_says_so_only_to_someone_with_its_password() {
    let p = portal().await;
    let cookie = p.ann().await;
    commands::run(
        &p.state.store,
        UserCommand::Disable {
            username: "ann".into(),
        },
        || Err("no secret is stored".into()),
    )
    .await
    .unwrap();
    assert_eq!(
        p.get("/api/v1/patients", &cookie).await.reason(),
        "session-expired"
    );
    assert_eq!(
        p.sign_in("ann", "wrong").await.reason(),
        "invalid-credentials"
    );
    let right = p.sign_in("ann", PASSWORD).await;
    assert_eq!(right.status, StatusCode::FORBIDDEN);
    assert_eq!(right.reason(), "account-disabled");
    assert!(p.audit_count("action = 'account-disabled'").await == 1);
}

// --- The client's address, behind a proxy or not ------------------------------------------

async fn fail_until_throttled(p: &Portal, call: impl Fn(usize) -> Call<'static>) -> usize {
    for n in 0..(throttle::SIGN_IN_LIMIT as usize) + 5 {
        let a = p.send(call(n)).await;
        if a.reason() == "too-many-attempts" {
            return n;
        }
    }
    usize::MAX
}

fn wrong_sign_in(n: usize) -> Call<'static> {
    Call::new("POST", "/api/v1/session")
        .json(json!({"username": format!("user{n}"), "password": "x"}))
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_change_nothing() {
    let p = portal().await;
    let n = fail_until_throttled(&p, |n| {
        wrong_sign_in(n)
            .from("198.51.100.20")
            .header("x-forwarded-for", format!("192.0.2.{n}"))
            .header("forwarded", format!("for=192.0.2.{n}"))
    })
    .await;
    assert_eq!(
        n,
        (throttle::SIGN_IN_LIMIT as usize),
        "one peer is one client, whatever it says"
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_each_client_and_forged_hops_are_skipped() {
    let p = portal_with("--trusted-proxy 10.0.0.0/8", None).await;
    // Many patients behind the hospital's proxy are each their own client.
    for n in 0..(throttle::SIGN_IN_LIMIT as usize) + 5 {
        let a = p
            .send(
                wrong_sign_in(n)
                    .from("10.0.0.1")
                    .header("x-forwarded-for", format!("192.0.2.{n}")),
            )
            .await;
        assert_ne!(a.reason(), "too-many-attempts");
    }
    // One attacker forging a fresh first hop each time is still one client.
    let n = fail_until_throttled(&p, |n| {
        wrong_sign_in(n)
            .from("10.0.0.1")
            .header("x-forwarded-for", format!("1.2.3.{n}, 198.51.100.30"))
    })
    .await;
    assert_eq!(n, (throttle::SIGN_IN_LIMIT as usize));
}

#[tokio::test]
async fn ipv6_clients_are_one_client_per_64_bit_network() {
    let p = portal().await;
    let n = fail_until_throttled(&p, |n| {
        wrong_sign_in(n).from(format!("2001:db8:5:6:{n:x}::1"))
    })
    .await;
    assert_eq!(n, (throttle::SIGN_IN_LIMIT as usize));
}

#[tokio::test]
async fn successful_sign_ins_never_count_against_the_throttle() {
    let p = portal().await;
    for n in 0..(throttle::SIGN_IN_LIMIT as usize) * 2 {
        let a = p.sign_in_from("198.51.100.99", "ann", PASSWORD).await;
        assert_eq!(a.body["status"], "signed-in", "sign-in number {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_of_different_patients_on_one_network_is_never_refused() {
    let p = portal().await;
    let people = 2 * (throttle::SIGN_IN_LIMIT as usize);
    carefront_portal::demo::seed_bench_sign_ins(&p.state.store, people)
        .await
        .unwrap();
    let rush = (1..=people).map(|n| {
        let p = p.clone();
        async move { p.sign_in(&format!("bench-{n}"), PASSWORD).await }
    });
    let answers = all(rush.collect()).await;
    let signed_in = answers
        .iter()
        .filter(|a| a.body["status"] == "signed-in")
        .count();
    assert_eq!(signed_in, people, "sign-ins in flight are not failures");
}

// --- Deployment defaults -----------------------------------------------------------------

#[tokio::test]
async fn production_cookies_are_host_only_secure_and_end_with_the_browser() {
    let p = portal().await;
    let signed_in = p.sign_in("ann", PASSWORD).await;
    let set = signed_in.set_cookie();
    assert!(set.starts_with("__Host-carefront-session="));
    assert!(set.contains("; Secure") && set.contains("; Path=/") && !set.contains("Domain"));
    assert!(!set.contains("Max-Age"));
    let pending = p.sign_in("ben", PASSWORD).await;
    assert!(
        pending.set_cookie().contains("Max-Age=300"),
        "lives as long as the step"
    );
    for answer in [
        &signed_in,
        &p.call("GET", "/api/v1/portal", None, None).await,
    ] {
        assert!(
            answer.headers[header::STRICT_TRANSPORT_SECURITY]
                .to_str()
                .unwrap()
                .contains("max-age=31536000")
        );
        assert_eq!(
            answer.headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; frame-ancestors 'none'"
        );
    }
    // Every answer, a not-found from the app's files too.
    let missing = p.call("GET", "/no-such-file.js", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    // A cookie of the development name is not a session here.
    let token = signed_in.cookie().split_once('=').unwrap().1.to_string();
    let plain = format!("carefront-session={token}");
    assert_eq!(
        p.get("/api/v1/session", &plain).await.body["status"],
        "signed-out"
    );
}

#[tokio::test]
async fn plain_http_cookies_only_under_the_development_flag() {
    let p = portal_with("--dev-insecure-cookies", None).await;
    let a = p.sign_in("ann", PASSWORD).await;
    assert!(a.set_cookie().starts_with("carefront-session="));
    assert!(!a.set_cookie().contains("Secure"));
    assert!(a.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

#[tokio::test]
async fn signing_out_clears_the_site_and_ends_the_session() {
    let p = portal().await;
    let cookie = p.ann().await;
    let out = p
        .call("DELETE", "/api/v1/session", Some(&cookie), None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(out.headers["clear-site-data"], "\"cookies\", \"storage\"");
    assert!(out.set_cookie().contains("Max-Age=0"));
    assert_eq!(
        p.get("/api/v1/patients", &cookie).await.reason(),
        "session-expired"
    );
}

// --- A complete audit --------------------------------------------------------------------

#[tokio::test]
async fn every_refusal_is_audited_with_who_where_and_which_session() {
    let p = portal().await;
    p.send(
        Call::new("POST", "/api/v1/session")
            .from("198.51.100.7")
            .header("user-agent", "Attacker/1.0")
            .json(json!({"username": "  Nobody ", "password": "x"})),
    )
    .await;
    assert_eq!(
        p.audit_count(
            "action = 'sign-in-refused' AND outcome = 'refused' AND username = 'nobody'
             AND user_id IS NULL AND client = '198.51.100.7' AND user_agent = 'Attacker/1.0'"
        )
        .await,
        1
    );
    p.sign_in("ann", "wrong").await;
    assert_eq!(
        p.audit_count("action = 'sign-in-refused' AND username = 'ann' AND user_id IS NOT NULL")
            .await,
        1
    );
    let cookie = p.ann().await;
    p.get("/api/v1/fhir/Observation?patient=demo-ben", &cookie)
        .await;
    p.get("/api/v1/fhir/Patient/demo-ben", &cookie).await;
    p.get("/api/v1/patients", &cookie).await;
    assert_eq!(
        p.audit_count("action = 'search' AND outcome = 'refused' AND patient_id = 'demo-ben'")
            .await,
        1
    );
    assert_eq!(
        p.audit_count(
            "action = 'read' AND outcome = 'refused' AND detail LIKE '%Patient/demo-ben'"
        )
        .await,
        1
    );
    assert_eq!(
        p.audit_count("action = 'read' AND outcome = 'success' AND patient_id = 'demo-ann' AND detail LIKE '%patient list%'").await,
        1
    );
    assert_eq!(
        p.audit_count(
            "action IN ('search', 'read') AND professional IS NULL AND (session_ref IS NULL OR length(session_ref) != 12)"
        ).await,
        0,
        "every record event of a signed-in user names its session by a short hash prefix"
    );
    let token = cookie.split_once('=').unwrap().1;
    assert_eq!(
        p.audit_count(&format!(
            "detail LIKE '%{token}%' OR session_ref LIKE '%{token}%'"
        ))
        .await,
        0
    );
    // One throttle refusal a window, however many refusals.
    for n in 0..(throttle::SIGN_IN_LIMIT as usize) + 5 {
        p.send(wrong_sign_in(n).from("198.51.100.8")).await;
    }
    assert_eq!(
        p.audit_count("action = 'sign-in-throttled' AND client = '198.51.100.8'")
            .await,
        1
    );
    assert!(
        sqlx::query("UPDATE audit SET detail = 'nothing happened'")
            .execute(&mut *p.state.store.conn().await.unwrap())
            .await
            .is_err(),
        "append-only"
    );
}

// --- Hostile requests ---------------------------------------------------------------------

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let p = portal().await;
    let huge = json!({"username": "a".repeat(100_000), "password": "x"});
    let a = p
        .send(Call::new("POST", "/api/v1/session").json(huge))
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // tower-http's own refusals are dressed as every other: a problem, not stored, not framed.
    for (path, body) in [
        ("/api/v1/session", "x".repeat(2_000_000)),
        ("/professional/token", "x".repeat(2_000_000)),
        ("/shl/abc", "x".repeat(2_000_000)),
    ] {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .header("x-carefront", "1")
            .body(axum::body::Body::from(body))
            .unwrap();
        let a = p.answer(req).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(a.reason(), "payload-too-large", "{path}: {:?}", a.body);
        assert_eq!(a.headers["content-type"], "application/problem+json");
        assert_eq!(a.headers["cache-control"], "no-store", "{path}");
        assert_eq!(a.headers["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn an_answer_past_the_time_limit_is_a_problem_with_the_api_headers() {
    let p = common::portal_configured("", |config| config.request_timeout = 0).await;
    // A password check takes tens of milliseconds: far past a limit of none.
    let a = p.sign_in("ann", "not the password").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.reason(), "timed-out", "{:?}", a.body);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    assert_eq!(a.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn parameter_floods_and_out_of_range_paging_are_bad_requests() {
    let p = portal().await;
    let cookie = p.ann().await;
    let flood: String = (0..200).map(|n| format!("&x{n}=1")).collect();
    for uri in [
        format!("/api/v1/fhir/Observation?patient=demo-ann{flood}"),
        "/api/v1/fhir/Observation?patient=demo-ann&_offset=99999999999999999999999".into(),
        "/api/v1/fhir/Observation?patient=demo-ann&_offset=18446744073709551615".into(),
        "/api/v1/fhir/Observation?patient=demo-ann&_offset=-1".into(),
        "/api/v1/fhir/Observation?patient=demo-ann&_count=-5".into(),
        format!(
            "/api/v1/fhir/Observation?patient=demo-ann&date=ge{}",
            "2".repeat(5000)
        ),
        "/api/v1/fhir/Observation?patient=demo-ann&_sort=%FF".into(),
        "/api/v1/fhir/Observation?patient=demo-ann%00".into(),
    ] {
        let a = p.get(&uri, &cookie).await;
        assert_eq!(
            a.status,
            StatusCode::BAD_REQUEST,
            "{}",
            &uri[..uri.len().min(90)]
        );
        assert_eq!(a.body["resourceType"], "OperationOutcome");
    }
}

#[tokio::test]
async fn odd_ids_are_refused_never_crash_and_never_reach_another_record() {
    let p = portal().await;
    let cookie = p.ann().await;
    let long = "x".repeat(10_000);
    for id in [
        "demo-ann%00",
        "..%2Fdemo-ben",
        "demo-ben%2F",
        "%FF%FE",
        &long,
        "demo-ann%20",
    ] {
        let a = p.get(&format!("/api/v1/fhir/Patient/{id}"), &cookie).await;
        assert!(
            a.status == StatusCode::BAD_REQUEST || a.status == StatusCode::NOT_FOUND,
            "{} for {}",
            a.status,
            &id[..id.len().min(40)]
        );
        assert_ne!(a.body["resourceType"], "Patient");
    }
}

#[tokio::test]
async fn static_paths_never_leave_the_app_folder() {
    let dir = std::env::temp_dir().join(format!("carefront-traversal-{}", std::process::id()));
    let app = dir.join("dist");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<html>app</html>").unwrap();
    std::fs::write(dir.join("secret.txt"), "the secret").unwrap();
    let p = portal_with("", Some(app)).await;
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%5csecret.txt",
        "/.%2e/secret.txt",
        "//secret.txt",
        "/index.html/../../secret.txt",
    ] {
        let req = Request::builder().uri(path).body(Body::empty()).unwrap();
        let a = p.answer(req).await;
        assert!(
            !a.body.to_string().contains("the secret"),
            "{path} reached a file outside the app"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
