//! Conversations for the demo: Ann's question about a medicine, answered and read; her question
//! about a blood test, answered yesterday and not yet read; Claire's question about Leo.

use crate::accounts;
use crate::infra::store::Conn;
use crate::messages::store::{self, Author, NewConversation};

/// `count` conversations for the bench patient, an hour apart back from `now`: each a question
/// and a reply, every third reply not yet read.
pub async fn seed_bench(conn: &mut Conn, count: usize, now: i64) -> sqlx::Result<()> {
    let Some(bench) = accounts::by_username(conn, "bench").await? else {
        return Ok(());
    };
    let topics = ["medical-question", "appointment", "medicine", "other"];
    for n in 0..count {
        let at = now - (n as i64 + 1) * 3600;
        let (id, _) = store::start(
            conn,
            &NewConversation {
                patient_id: "bench",
                topic: topics[n % topics.len()],
                subject: &format!("Question {} about my care", count - n),
                about: None,
            },
            &Author::User {
                id: bench.id,
                relationship: None,
            },
            "I have a question about my blood test results and the medicines I take. Could someone call me back?",
            at,
        )
        .await?;
        store::mark_received(conn, id, at + 600).await?;
        store::add(
            conn,
            id,
            &Author::Staff {
                name: "Tom Reid",
                role: "Diabetes specialist nurse",
            },
            "Thank you for your message. Your results are as expected, and your medicines stay the same.",
            at + 1800,
        )
        .await?;
        if n % 3 != 0 {
            store::mark_read(conn, id, bench.id, at + 2000).await?;
        }
    }
    Ok(())
}

pub async fn seed(conn: &mut Conn, today: i64) -> sqlx::Result<()> {
    let day = |n: i64, hour: i64| (today - n) * 86_400 + hour * 3600;
    let user = async |conn: &mut Conn, name: &str| {
        accounts::by_username(conn, name)
            .await
            .map(|u| u.map_or(0, |u| u.id))
    };
    let ann = user(conn, "ann").await?;
    let claire = user(conn, "claire").await?;
    let ann_writes = Author::User {
        id: ann,
        relationship: None,
    };

    let (cough, _) = store::start(
        conn,
        &NewConversation {
            patient_id: "demo-ann",
            topic: "medicine",
            subject: "Ramipril and a dry cough",
            about: None,
        },
        &ann_writes,
        "Since my ramipril dose went up I have had a dry, tickly cough, mostly at night. Is this the tablets? Should I keep taking them?",
        day(6, 9),
    )
    .await?;
    store::mark_received(conn, cough, day(6, 11)).await?;
    store::add(
        conn,
        cough,
        &Author::Staff {
            name: "Priya Shah",
            role: "Pharmacist",
        },
        "Thank you for letting us know. A dry cough is a known side effect of ramipril. Please keep taking it for now: stopping suddenly can raise your blood pressure. I have asked Dr Ward to look at switching you to a different medicine, and the surgery will call you this week.",
        day(5, 14),
    )
    .await?;
    store::mark_read(conn, cough, ann, day(5, 18)).await?;

    let (bloods, _) = store::start(
        conn,
        &NewConversation {
            patient_id: "demo-ann",
            topic: "appointment",
            subject: "Fasting before my blood test",
            about: None,
        },
        &ann_writes,
        "My diabetes clinic letter says I need a blood test first. Do I need to stop eating beforehand, and can I still take my metformin that morning?",
        day(2, 10),
    )
    .await?;
    store::mark_received(conn, bloods, day(1, 9)).await?;
    store::add(
        conn,
        bloods,
        &Author::Staff {
            name: "Tom Reid",
            role: "Diabetes specialist nurse",
        },
        "You do not need to fast for this test: eat and drink as normal. Take your metformin as usual. Bring your blood glucose diary if you keep one.",
        day(1, 11),
    )
    .await?;

    let mother = crate::proxies::store::between(conn, claire, "demo-leo")
        .await?
        .first()
        .map(|r| r.id);
    store::start(
        conn,
        &NewConversation {
            patient_id: "demo-leo",
            topic: "medical-question",
            subject: "Leo's new inhaler",
            about: None,
        },
        &Author::User {
            id: claire,
            relationship: mother,
        },
        "Leo has been given a new brown inhaler. Does he take it every day even when he is well, or only when he is wheezy?",
        day(3, 20),
    )
    .await?;
    Ok(())
}
