//! Messages as patients, proxies and an attacker who has read the code meet them: who sees
//! which conversation, every refusal said in words, drafts that only their writer reaches, the
//! hourly limit, the Communication shape, the help desk's reply, and the audit trail.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use carefront_portal::messages::commands::{MessagesCommand, Staff, run};
use carefront_portal::notifications::send::send_due;
use common::professional::{assertion, claims};
use common::{Answer, Call, Portal};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

impl Portal {
    async fn ask(&self, cookie: &str, body: Value) -> Answer {
        self.post("/api/v1/messages", cookie, body).await
    }

    async fn inbox(&self, cookie: &str, patient: &str) -> Answer {
        self.get(&format!("/api/v1/messages?patient={patient}"), cookie)
            .await
    }

    /// Adds a file to a draft, as the app sends it: the body is the file.
    async fn upload(&self, cookie: &str, place: &str, name: &str, bytes: Vec<u8>) -> Answer {
        let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        let uri =
            format!("/api/v1/messages/attachments?patient=demo-ann&place={place}&name={name}");
        self.send(Call::new("POST", &uri).cookie(cookie).bytes(bytes))
            .await
    }

    /// A file as the browser saves it: status, headers and the bytes themselves.
    async fn download(
        &self,
        path: &str,
        auth: (header::HeaderName, &str),
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::builder()
            .uri(path)
            .header(auth.0, auth.1)
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }

    /// A token for the hospital's own messaging system, with these scopes.
    async fn messaging_system(&self, scope: &str) -> String {
        let system = self
            .register_as(
                "riverside-messages",
                "riverside",
                "Riverside General Hospital",
                true,
            )
            .await;
        self.token_with(&assertion(&system, claims(&system, "TREAT")), scope)
            .await
            .body["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn staff(&self, command: MessagesCommand) {
        run(&self.state.store, &self.state.info, command)
            .await
            .unwrap();
    }
}

fn question(subject: &str) -> Value {
    json!({"patient": "demo-ann", "topic": "medical-question", "subject": subject,
           "body": "Can I take paracetamol with my other tablets?"})
}

#[tokio::test]
async fn the_demo_inbox_has_an_unread_reply_that_opening_reads() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let inbox = p.inbox(&ann, "demo-ann").await;
    assert_eq!(inbox.status, StatusCode::OK, "{:?}", inbox.body);
    let conversations = inbox.body["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 2);
    assert_eq!(inbox.body["unread"], 1);
    let newest = &conversations[0];
    assert_eq!(newest["subject"], "Fasting before my blood test");
    assert_eq!(newest["last"]["from"]["kind"], "staff");
    assert_eq!(newest["last"]["from"]["name"], "Tom Reid");
    let id = newest["id"].as_i64().unwrap();
    let unread = p.get("/api/v1/messages/unread", &ann).await;
    assert_eq!(unread.body["unread"], 1);

    let opened = p.get(&format!("/api/v1/messages/{id}"), &ann).await;
    assert_eq!(opened.status, StatusCode::OK);
    let messages = opened.body["communications"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["resourceType"], "Communication");
    assert_eq!(messages[0]["sender"]["reference"], "Patient/demo-ann");
    assert!(messages[0]["received"].is_string(), "read by the hospital");
    assert_eq!(
        messages[1]["inResponseTo"][0]["reference"],
        format!("Communication/{}", messages[0]["id"].as_str().unwrap())
    );
    assert_eq!(
        messages[1]["contained"][0]["code"][0]["text"],
        "Diabetes specialist nurse"
    );
    assert_eq!(opened.body["yours"][0], messages[0]["id"]);
    assert_eq!(p.inbox(&ann, "demo-ann").await.body["unread"], 0);
    assert_eq!(
        p.get("/api/v1/messages/unread", &ann).await.body["unread"],
        0
    );
    assert_eq!(
        p.audit_count("action = 'messages-read' AND patient_id = 'demo-ann'")
            .await,
        1
    );
}

#[tokio::test]
async fn asking_checks_every_part_and_says_what_is_wrong() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let refused = |body: Value| {
        let (p, ann) = (p.clone(), ann.clone());
        async move {
            let a = p.ask(&ann, body).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:?}", a.body);
            a.body["title"].as_str().unwrap().to_string()
        }
    };
    let mut q = question("Paracetamol");
    q["topic"] = json!("gossip");
    assert!(refused(q).await.contains("Choose what"));
    let mut q = question("   ");
    assert!(refused(q.clone()).await.contains("subject"));
    q = question("Paracetamol");
    q["body"] = json!(" \n\t ");
    assert!(refused(q.clone()).await.contains("Write your message"));
    q["body"] = json!("é".repeat(4001));
    assert!(refused(q.clone()).await.contains("take out 1 characters"));
    q = question(&"s".repeat(121));
    assert!(refused(q).await.contains("120 characters"));
    // About an item that is not Ann's, does not exist, or is not a record type.
    let leo_item = p.stored_ids("Condition", "demo-leo").await[0].clone();
    for about in [
        format!("Condition/{leo_item}"),
        "Condition/nothing-here".into(),
        "Patient/demo-leo".into(),
        "AuditEvent/1".into(),
        "../../etc".into(),
    ] {
        let mut q = question("About an item");
        q["about"] = json!(about);
        assert!(refused(q).await.contains("could not be found"), "{about}");
    }
    let ann_item = p.stored_ids("Condition", "demo-ann").await[0].clone();
    let mut q = question("Is this right?");
    q["topic"] = json!("record-correction");
    q["about"] = json!(format!("Condition/{ann_item}"));
    let made = p.ask(&ann, q).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert!(made.body["replyBy"].as_str().unwrap().len() == 10);
    let id = made.body["id"].as_i64().unwrap();
    let opened = p.get(&format!("/api/v1/messages/{id}"), &ann).await;
    assert_eq!(
        opened.body["communications"][0]["about"][0]["reference"],
        format!("Condition/{ann_item}")
    );
    assert_eq!(
        opened.body["communications"][0]["recipient"][0]["identifier"]["value"],
        "medical-records"
    );
    // Hostile text is kept as typed, without control characters.
    let mut q = question("<img src=x onerror=alert(1)>");
    q["body"] = json!("<script>alert(1)</script>\u{1b}[2J");
    let made = p.ask(&ann, q).await;
    let id = made.body["id"].as_i64().unwrap();
    let opened = p.get(&format!("/api/v1/messages/{id}"), &ann).await;
    assert_eq!(
        opened.body["communications"][0]["payload"][0]["contentString"],
        "<script>alert(1)</script>[2J"
    );
}

#[tokio::test]
async fn the_help_desk_replies_by_name_and_the_patient_sees_it_unread() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let id = p.ask(&ann, question("Paracetamol")).await.body["id"]
        .as_i64()
        .unwrap();
    p.staff(MessagesCommand::Reply {
        conversation: id,
        staff: Staff {
            name: "Dr Helen Ward".into(),
            role: "GP".into(),
        },
        text: "Yes, that is fine.".into(),
    })
    .await;
    let inbox = p.inbox(&ann, "demo-ann").await;
    assert_eq!(inbox.body["conversations"][0]["id"], id);
    assert_eq!(inbox.body["conversations"][0]["unread"], 1);
    let opened = p.get(&format!("/api/v1/messages/{id}"), &ann).await;
    let c = &opened.body["communications"];
    assert!(c[0]["received"].is_string(), "replying is reading");
    assert_eq!(c[1]["sender"]["display"], "Dr Helen Ward");
    // The staff's reply is in Ann's access log, by name.
    assert_eq!(
        p.audit_count("action = 'message-sent' AND professional LIKE '%Helen Ward%'")
            .await,
        1
    );
    // Closed: read, not replied to; the refusal says the text is kept.
    p.staff(MessagesCommand::Close {
        conversation: id,
        staff: Staff {
            name: "Dr Helen Ward".into(),
            role: "GP".into(),
        },
    })
    .await;
    let late = p
        .post(
            &format!("/api/v1/messages/{id}/replies"),
            &ann,
            json!({"body": "One more thing"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body["title"].as_str().unwrap().contains("still here"));
}

#[tokio::test]
async fn a_narrowed_proxy_sees_only_what_they_wrote_and_strangers_nothing() {
    let p = common::portal().await;
    // Ben acts for Ann (appointments only): none of Ann's conversations are his to see.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let inbox = p.inbox(&ben, "demo-ann").await;
    assert_eq!(inbox.status, StatusCode::OK, "{:?}", inbox.body);
    assert_eq!(inbox.body["conversations"], json!([]));
    assert_eq!(inbox.body["onlyYours"], true);
    let ann = p.ann().await;
    let anns = p.inbox(&ann, "demo-ann").await.body["conversations"][0]["id"]
        .as_i64()
        .unwrap();
    for path in [
        format!("/api/v1/messages/{anns}"),
        format!("/api/v1/messages/drafts/{anns}?patient=demo-ann"),
    ] {
        assert_eq!(
            p.get(&path, &ben).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let replied = p
        .post(
            &format!("/api/v1/messages/{anns}/replies"),
            &ben,
            json!({"body": "hello"}),
        )
        .await;
    assert_eq!(replied.status, StatusCode::NOT_FOUND);
    // Ben writes for Ann: he sees his own; Ann sees it, with who wrote it.
    let mut q = question("Ann's appointment on Friday");
    q["topic"] = json!("appointment");
    let made = p.ask(&ben, q).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let his = made.body["id"].as_i64().unwrap();
    assert_eq!(
        p.inbox(&ben, "demo-ann").await.body["conversations"][0]["id"],
        his
    );
    let seen = p.get(&format!("/api/v1/messages/{his}"), &ann).await;
    let sender = &seen.body["communications"][0]["sender"];
    assert!(
        sender["reference"]
            .as_str()
            .unwrap()
            .starts_with("RelatedPerson/proxy-")
    );
    assert_eq!(sender["display"], "Ben Okafor");
    assert_eq!(seen.body["conversation"]["last"]["from"]["kind"], "proxy");
    // Someone with no footing on the record at all.
    let jordan = p.signed_in("jordan").await;
    assert_eq!(
        p.inbox(&jordan, "demo-ann").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.get(&format!("/api/v1/messages/{anns}"), &jordan)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.ask(&jordan, question("Not mine")).await.status,
        StatusCode::FORBIDDEN
    );
    // Claire has full access to Leo: she sees every conversation in his record.
    let claire = p.signed_in("claire").await;
    p.accept_proxy_terms(&claire, "demo-leo").await;
    let leo = p.inbox(&claire, "demo-leo").await;
    assert_eq!(leo.body["onlyYours"], false);
    assert_eq!(leo.body["conversations"][0]["subject"], "Leo's new inhaler");
}

#[tokio::test]
async fn drafts_belong_to_their_writer_and_go_when_the_message_is_sent() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let kept = p
        .send(
            Call::new("PUT", "/api/v1/messages/drafts/new")
                .cookie(&ann)
                .json(json!({"patient": "demo-ann", "topic": "medicine", "subject": "Half", "body": "I was writing"})),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{:?}", kept.body);
    let read = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    assert_eq!(read.body["draft"]["body"], "I was writing");
    // Ben acts for Ann but his drafts are his: he does not see hers.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let his = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ben)
        .await;
    assert_eq!(his.body["draft"], Value::Null);
    for bad in ["../new", "0", "-1", "99999"] {
        let a = p
            .get(
                &format!("/api/v1/messages/drafts/{bad}?patient=demo-ann"),
                &ann,
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // Too much for a draft to hold is refused, not cut short.
    let huge = p
        .send(
            Call::new("PUT", "/api/v1/messages/drafts/new")
                .cookie(&ann)
                .json(json!({"patient": "demo-ann", "body": "x".repeat(8001)})),
        )
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        p.ask(&ann, question("Sent")).await.status,
        StatusCode::CREATED
    );
    let gone = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    assert_eq!(gone.body["draft"], Value::Null);
}

#[tokio::test]
async fn a_flood_is_stopped_in_words_with_the_text_kept() {
    let p = common::portal().await;
    let ann = p.ann().await;
    for n in 0..10 {
        let a = p.ask(&ann, question(&format!("Question {n}"))).await;
        assert_eq!(a.status, StatusCode::CREATED, "{n}");
    }
    let eleventh = p.ask(&ann, question("One too many")).await;
    assert_eq!(eleventh.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(eleventh.body["reason"], "too-many-messages");
    let words = eleventh.body["title"].as_str().unwrap();
    assert!(words.contains("10 messages in the last hour"), "{words}");
    assert!(words.contains("still here"), "{words}");
    // The inbox comes a page at a time, newest first, with how many there are.
    let page = p
        .get(
            "/api/v1/messages?patient=demo-ann&_count=5&_offset=10",
            &ann,
        )
        .await;
    assert_eq!(page.body["total"], 12);
    let subjects: Vec<&str> = page.body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Fasting before my blood test", "Ramipril and a dry cough"]
    );
    for bad in ["_count=0", "_count=201", "_offset=-1"] {
        let refused = p
            .get(&format!("/api/v1/messages?patient=demo-ann&{bad}"), &ann)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    // An hour on, the next goes.
    p.state.clock.advance(3601);
    assert_eq!(
        p.ask(&ann, question("Next hour")).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_reply_is_emailed_without_its_words_to_whoever_sees_the_conversation() {
    let (p, dir) = common::portal_with_outbox("").await;
    let ann = p.ann().await;
    // Ben acts for Ann and asked to hear about others' records, but sees none of her conversations.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let choices = json!({"results": true, "documents": true, "letters": true, "appointments": true, "othersRecords": true});
    p.post("/api/v1/account/notifications", &ben, choices).await;
    let id = p.ask(&ann, question("Paracetamol")).await.body["id"]
        .as_i64()
        .unwrap();
    p.staff(MessagesCommand::Reply {
        conversation: id,
        staff: Staff {
            name: "Dr Helen Ward".into(),
            role: "GP".into(),
        },
        text: "Yes, the paracetamol is fine.".into(),
    })
    .await;
    assert_eq!(send_due(&p.state).await.unwrap(), 1);
    let mail = common::outbox(&dir);
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("To: ann.carter@example.org"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("There is something new"));
    assert!(!mail[0].contains("paracetamol") && !mail[0].contains("Helen Ward"));
    // Turned off, a reply is not emailed.
    let off = json!({"results": true, "documents": true, "letters": true, "appointments": true, "messages": false, "othersRecords": false});
    assert_eq!(
        p.post("/api/v1/account/notifications", &ann, off)
            .await
            .body["choices"]["messages"],
        false
    );
    p.exec("UPDATE users SET notified_at = notified_at - 3601")
        .await;
    p.staff(MessagesCommand::Reply {
        conversation: id,
        staff: Staff {
            name: "Dr Helen Ward".into(),
            role: "GP".into(),
        },
        text: "One more thing.".into(),
    })
    .await;
    assert_eq!(send_due(&p.state).await.unwrap(), 0);
}

#[tokio::test]
async fn the_hospitals_messaging_system_reads_new_messages_and_replies_as_a_named_member_of_staff()
{
    let p = common::professional::portal().await;
    let ann = p.ann().await;
    let asked = p.ask(&ann, question("Paracetamol")).await.body["id"]
        .as_i64()
        .unwrap();
    let answering = p
        .register_as(
            "riverside-messages",
            "riverside",
            "Riverside General Hospital",
            true,
        )
        .await;
    let scope = "system/Communication.read system/Communication.write";
    let token = {
        let answer = p
            .token_with(&assertion(&answering, claims(&answering, "TREAT")), scope)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(
            answer.body["scope"],
            "system/Communication.rs system/Communication.c"
        );
        answer.body["access_token"].as_str().unwrap().to_string()
    };
    // Another organisation's system is never granted them, nor reaches them through `*`.
    let gp = p
        .register("gp-system", "northgate-surgery", "Northgate Surgery")
        .await;
    let refused = p
        .token_with(
            &assertion(&gp, claims(&gp, "TREAT")),
            "system/Communication.rs",
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let reader = p.token(&gp, "TREAT").await;
    assert_eq!(
        p.fhir(&reader, "Communication").await.status,
        StatusCode::FORBIDDEN
    );

    let new = p.fhir(&token, "Communication?received:missing=true").await;
    assert_eq!(new.status, StatusCode::OK, "{:?}", new.body);
    let entries = new.body["entry"].as_array().unwrap();
    let mine = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|c| c["topic"]["text"] == "Paracetamol")
        .expect("Ann's question is new");
    assert_eq!(mine["subject"]["reference"], "Patient/demo-ann");
    assert!(mine.get("received").is_none());
    let id = mine["id"].as_str().unwrap().to_string();
    let read = p.fhir(&token, &format!("Communication/{id}")).await;
    assert!(
        read.body["received"].is_string(),
        "reading it is receiving it"
    );
    let again = p.fhir(&token, "Communication?received:missing=true").await;
    assert!(
        !again.body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["id"] == id.as_str())
    );

    let reply = |body: Value| {
        let (p, token) = (p.clone(), token.clone());
        async move {
            p.send(
                Call::new("POST", "/professional/fhir/Communication")
                    .header("authorization", format!("Bearer {token}"))
                    .json(body),
            )
            .await
        }
    };
    let made = reply(
        json!({"resourceType": "Communication", "status": "completed",
        "inResponseTo": [{"reference": format!("Communication/{id}")}],
        "payload": [{"contentString": "Yes, with food."}]}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["sender"]["display"], "Dr Sam Patel");
    assert_eq!(made.body["contained"][0]["code"][0]["text"], "Cardiologist");
    assert_eq!(
        made.body["inResponseTo"][0]["reference"],
        format!("Communication/{id}")
    );
    assert_eq!(p.inbox(&ann, "demo-ann").await.body["unread"], 2);
    for bad in [
        json!({"resourceType": "Communication", "payload": [{"contentString": "x"}]}),
        json!({"resourceType": "Communication", "inResponseTo": [{"reference": "Communication/nope"}], "payload": [{"contentString": "x"}]}),
        json!({"resourceType": "Communication", "inResponseTo": [{"reference": format!("Communication/{id}")}], "payload": [{"contentString": " "}]}),
        json!({"resourceType": "Patient"}),
    ] {
        assert_eq!(reply(bad).await.status, StatusCode::BAD_REQUEST);
    }
    p.staff(MessagesCommand::Close {
        conversation: asked,
        staff: Staff {
            name: "Dr Helen Ward".into(),
            role: "GP".into(),
        },
    })
    .await;
    let late = reply(json!({"resourceType": "Communication",
        "inResponseTo": [{"reference": format!("Communication/{id}")}],
        "payload": [{"contentString": "Also…"}]}))
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        p.audit_count("action = 'message-sent' AND professional LIKE '%Sam Patel%'")
            .await
            == 1
    );

    // The hospital starts a conversation: a patient, one of its topics, a subject line.
    let started = reply(
        json!({"resourceType": "Communication", "status": "completed",
        "subject": {"reference": "Patient/demo-ann"},
        "topic": {"coding": [{"system": "urn:carefront:message-topic", "code": "appointment"}],
                  "text": "Your eye clinic letter"},
        "payload": [{"contentString": "Please bring your glasses on Friday."}]}),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    assert!(started.body.get("inResponseTo").is_none());
    assert_eq!(started.body["sender"]["display"], "Dr Sam Patel");
    let inbox = p.inbox(&ann, "demo-ann").await;
    assert_eq!(
        inbox.body["conversations"][0]["subject"],
        "Your eye clinic letter"
    );
    assert_eq!(
        inbox.body["conversations"][0]["last"]["from"]["kind"],
        "staff"
    );
    assert_eq!(inbox.body["conversations"][0]["unread"], 1);
    let start = |patient: &str, code: &str, text: &str| {
        json!({"resourceType": "Communication",
            "subject": {"reference": format!("Patient/{patient}")},
            "topic": {"coding": [{"system": "urn:carefront:message-topic", "code": code}], "text": text},
            "payload": [{"contentString": "Hello"}]})
    };
    for (bad, why) in [
        (
            start("demo-ann", "no-such-topic", "Hello"),
            "one of the hospital's topics",
        ),
        (start("demo-ann", "appointment", " "), "topic.text"),
        (
            start("demo-ann", "appointment", &"x".repeat(121)),
            "topic.text",
        ),
        (start("../etc", "appointment", "Hello"), "subject"),
        (
            start("nobody-here", "appointment", "Hello"),
            "No one reads messages",
        ),
    ] {
        let refused = reply(bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let words = refused.body.to_string();
        assert!(words.contains(why), "{why}: {words}");
    }
}

#[tokio::test]
async fn the_help_desk_starts_a_conversation_a_narrowed_proxy_does_not_see() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let before = p.inbox(&ann, "demo-ann").await.body["unread"]
        .as_i64()
        .unwrap();
    p.staff(MessagesCommand::Start {
        patient: "demo-ann".into(),
        topic: "medical-question".into(),
        subject: "Your results".into(),
        staff: Staff {
            name: "Nurse Amy Lee".into(),
            role: "Practice nurse".into(),
        },
        text: "Your results are back; everything is fine.".into(),
    })
    .await;
    let inbox = p.inbox(&ann, "demo-ann").await;
    assert_eq!(inbox.body["conversations"][0]["subject"], "Your results");
    assert_eq!(inbox.body["unread"], before + 1);
    assert_eq!(
        p.get("/api/v1/messages/unread", &ann).await.body["unread"],
        before + 1
    );
    // Ben acts for Ann for appointments only: the hospital's conversation is not his to see.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let proxy = p.inbox(&ben, "demo-ann").await;
    assert_eq!(proxy.status, StatusCode::OK, "{:?}", proxy.body);
    assert_eq!(proxy.body["conversations"], json!([]));
    assert_eq!(proxy.body["total"], 0);
    let id = inbox.body["conversations"][0]["id"].as_i64().unwrap();
    assert_eq!(
        p.get(&format!("/api/v1/messages/{id}"), &ben).await.status,
        StatusCode::NOT_FOUND
    );
    let refused = run(
        &p.state.store,
        &p.state.info,
        MessagesCommand::Start {
            patient: "demo-ann".into(),
            topic: "not-a-topic".into(),
            subject: "Hello".into(),
            staff: Staff {
                name: "Nurse Amy Lee".into(),
                role: "Practice nurse".into(),
            },
            text: "Hello".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(refused.contains("--topic must be one of"), "{refused}");
}

#[tokio::test]
async fn a_message_about_a_record_item_names_it_for_whoever_may_still_see_it() {
    let p = common::portal().await;
    let ann = p.ann().await;
    let condition = p
        .get("/api/v1/fhir/Condition?patient=demo-ann", &ann)
        .await
        .body["entry"][0]["resource"]
        .clone();
    let about = format!("Condition/{}", condition["id"].as_str().unwrap());
    let name = condition["code"]["text"]
        .as_str()
        .or(condition["code"]["coding"][0]["display"].as_str())
        .unwrap()
        .to_string();
    let options = p
        .get(
            &format!("/api/v1/messages/options?patient=demo-ann&about={about}"),
            &ann,
        )
        .await;
    assert_eq!(options.body["aboutName"], name.as_str());
    let unknown = p
        .get(
            "/api/v1/messages/options?patient=demo-ann&about=Condition/not-hers",
            &ann,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(unknown.body["aboutName"], Value::Null);
    let mut asked = question("Wrong start date");
    asked["topic"] = json!("record-correction");
    asked["about"] = json!(about);
    let id = p.ask(&ann, asked).await.body["id"].as_i64().unwrap();
    let opened = p.get(&format!("/api/v1/messages/{id}"), &ann).await;
    assert_eq!(opened.body["aboutName"], name.as_str());
    assert_eq!(
        opened.body["communications"][0]["about"][0]["reference"],
        about.as_str()
    );
}

/// The first bytes of a JPEG, and enough after them to be a photo of some size.
fn jpeg(size: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.resize(size, 7);
    bytes
}

#[tokio::test]
async fn a_photo_goes_with_the_message_and_comes_back_only_as_a_download() {
    let p = common::professional::portal().await;
    let ann = p.ann().await;
    let added = p
        .upload(
            &ann,
            "new",
            "C:\\photos\\<img src=x onerror=alert(1)> rash.jpg",
            jpeg(5000),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let file = added.body["attachment"].clone();
    assert_eq!(file["name"], "<img src=x onerror=alert(1)> rash.jpg");
    assert_eq!(file["contentType"], "image/jpeg");
    assert_eq!(file["size"], 5000);
    let id = file["id"].as_str().unwrap().to_string();
    // Kept with the draft, before a word is typed.
    let draft = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    assert_eq!(draft.body["draft"]["attachments"][0]["id"], id.as_str());

    let sent = p.ask(&ann, question("My rash")).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let conversation = sent.body["id"].as_i64().unwrap();
    let opened = p
        .get(&format!("/api/v1/messages/{conversation}"), &ann)
        .await;
    let attached = &opened.body["communications"][0]["payload"][1]["contentAttachment"];
    assert_eq!(attached["title"], "<img src=x onerror=alert(1)> rash.jpg");
    let url = attached["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/api/v1/messages/attachments/{id}"));
    // Sent: off the draft, and it cannot be taken back.
    let draft = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    assert_eq!(draft.body["draft"], Value::Null);
    let removed = p
        .call(
            "DELETE",
            &format!("{url}?patient=demo-ann"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::CONFLICT);

    let (status, headers, bytes) = p.download(&url, (header::COOKIE, &ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, jpeg(5000));
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition
            .contains("filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%20rash%2Ejpg"),
        "{disposition}"
    );
    assert_eq!(
        p.audit_count("action = 'message-file-downloaded' AND patient_id = 'demo-ann'")
            .await,
        1
    );

    // Someone acting for Ann for appointments only, and a stranger, cannot have it.
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    assert_eq!(
        p.download(&url, (header::COOKIE, &ben)).await.0,
        StatusCode::NOT_FOUND
    );
    let claire = p.signed_in("claire").await;
    assert_ne!(
        p.download(&url, (header::COOKIE, &claire)).await.0,
        StatusCode::OK
    );

    // The hospital's messaging system finds it on the Communication and downloads it.
    let token = p.messaging_system("system/Communication.read").await;
    let found = p.fhir(&token, "Communication?patient=demo-ann").await;
    let on_it = found.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["resource"]["payload"][1]["contentAttachment"]["url"].as_str())
        .unwrap()
        .to_string();
    assert_eq!(on_it, format!("/professional/messages/attachments/{id}"));
    let bearer = format!("Bearer {token}");
    let (status, _, bytes) = p.download(&on_it, (header::AUTHORIZATION, &bearer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.len(), 5000);
}

#[tokio::test]
async fn files_too_big_of_a_kind_not_taken_or_too_many_are_refused_in_words() {
    let p = common::portal().await;
    let ann = p.ann().await;
    // What the bytes are decides, not the name or the type the browser said.
    let page = p
        .upload(
            &ann,
            "new",
            "photo.jpg",
            b"<html><script>alert(1)</script>".to_vec(),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(page.reason(), "file-type-not-allowed");
    let words = page.body["title"].as_str().unwrap();
    assert!(words.contains("JPEG, PNG, HEIC or PDF"), "{words}");
    assert!(words.contains("still here"), "{words}");

    let big = p.upload(&ann, "new", "big.jpg", jpeg(10_000_001)).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(big.reason(), "file-too-large");
    let words = big.body["title"].as_str().unwrap();
    assert!(words.contains("up to 10 MB"), "{words}");

    for n in 0..5 {
        let added = p.upload(&ann, "new", &format!("{n}.jpg"), jpeg(100)).await;
        assert_eq!(added.status, StatusCode::CREATED);
    }
    let sixth = p.upload(&ann, "new", "6.jpg", jpeg(100)).await;
    assert_eq!(sixth.status, StatusCode::CONFLICT);
    assert!(sixth.body["title"].as_str().unwrap().contains("5 files"));

    // One taken off makes room; only its writer can take it off.
    let draft = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    let first = draft.body["draft"]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ben = p.signed_in("ben").await;
    p.accept_proxy_terms(&ben, "demo-ann").await;
    let path = format!("/api/v1/messages/attachments/{first}?patient=demo-ann");
    assert_eq!(
        p.call("DELETE", &path, Some(&ben), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.call("DELETE", &path, Some(&ann), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.upload(&ann, "new", "6.jpg", jpeg(100)).await.status,
        StatusCode::CREATED
    );
    // A place that is not theirs, and no header a cross-site form could not send.
    assert_eq!(
        p.upload(&ann, "999999", "x.jpg", jpeg(100)).await.status,
        StatusCode::NOT_FOUND
    );
    let mut forged = Request::builder()
        .method("POST")
        .uri("/api/v1/messages/attachments?patient=demo-ann&place=new&name=x.jpg")
        .header(header::COOKIE, &ann)
        .body(Body::from(jpeg(100)))
        .unwrap();
    forged
        .extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    assert_eq!(p.answer(forged).await.status, StatusCode::FORBIDDEN);
    // Throwing the draft away takes its files with it.
    assert_eq!(
        p.call(
            "DELETE",
            "/api/v1/messages/drafts/new?patient=demo-ann",
            Some(&ann),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let draft = p
        .get("/api/v1/messages/drafts/new?patient=demo-ann", &ann)
        .await;
    assert_eq!(draft.body["draft"], Value::Null);
}

#[tokio::test]
async fn the_hospital_sends_a_letter_with_its_reply() {
    let p = common::professional::portal().await;
    let ann = p.ann().await;
    let asked = p.ask(&ann, question("My letter")).await.body["id"]
        .as_i64()
        .unwrap();
    let token = p
        .messaging_system("system/Communication.read system/Communication.write")
        .await;
    let bearer = format!("Bearer {token}");
    let binary = |context: Option<&str>, bytes: &[u8]| {
        let mut call = Call::new("POST", "/professional/fhir/Binary")
            .header("authorization", bearer.clone())
            .bytes(bytes.to_vec());
        if let Some(context) = context {
            call = call.header("x-security-context", context.to_string());
        }
        p.send(call)
    };
    let letter = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    let made = binary(Some("Patient/demo-ann"), letter).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["resourceType"], "Binary");
    assert_eq!(made.body["contentType"], "application/pdf");
    let id = made.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        binary(None, letter).await.status,
        StatusCode::BAD_REQUEST,
        "no patient named"
    );
    assert_eq!(
        binary(Some("Patient/demo-ann"), b"<html>").await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let bens = binary(Some("Patient/demo-ben"), letter).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();

    let first =
        p.get(&format!("/api/v1/messages/{asked}"), &ann).await.body["communications"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
    let reply = |file: &str| {
        json!({"resourceType": "Communication",
            "inResponseTo": [{"reference": format!("Communication/{first}")}],
            "payload": [{"contentString": "Your clinic letter is attached."},
                {"contentAttachment": {"url": format!("Binary/{file}"), "title": "../Clinic letter.pdf"}}]})
    };
    let send = |body: Value| {
        p.send(
            Call::new("POST", "/professional/fhir/Communication")
                .header("authorization", bearer.clone())
                .json(body),
        )
    };
    // Another patient's file is never sent to Ann.
    assert_eq!(send(reply(&bens)).await.status, StatusCode::BAD_REQUEST);
    let sent = send(reply(&id)).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(
        sent.body["payload"][1]["contentAttachment"]["title"],
        "Clinic letter.pdf"
    );
    // A file goes with one message only.
    assert_eq!(send(reply(&id)).await.status, StatusCode::BAD_REQUEST);

    let opened = p.get(&format!("/api/v1/messages/{asked}"), &ann).await;
    let attached = &opened.body["communications"][1]["payload"][1]["contentAttachment"];
    assert_eq!(attached["title"], "Clinic letter.pdf");
    let (status, headers, bytes) = p
        .download(attached["url"].as_str().unwrap(), (header::COOKIE, &ann))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, letter);
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");

    // One made and never sent is thrown away a day later.
    p.exec("UPDATE message_attachments SET added_at = added_at - 86401 WHERE message_id IS NULL")
        .await;
    let mut conn = p.state.store.conn().await.unwrap();
    assert_eq!(
        carefront_portal::messages::store::purge(&mut conn, carefront_portal::infra::time::now())
            .await
            .unwrap(),
        1
    );
}
