//! Other organisations' systems, as tests play them: a registered system with its own key, its
//! signed assertions, tokens and reads; and the patient's objections made through the app's API.

use super::{Answer, Call, Portal};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carefront_portal::infra::http::encode_component;
use carefront_portal::professional::registry::{self, Organisation};
use josekit::jwk::{Jwk, JwkSet, KeyPair};
use josekit::jws::{ES384, JwsHeader, RS384};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};

pub const PUBLIC: &str = "http://127.0.0.1:9";
pub const TOKEN_URL: &str = "http://127.0.0.1:9/professional/token";

pub async fn portal() -> Portal {
    super::portal_with(&format!("--public-url {PUBLIC}"), None).await
}

/// A registered system: its client id and private key.
pub struct System {
    pub client_id: &'static str,
    pub key: Jwk,
}

impl Portal {
    pub async fn register(&self, client_id: &'static str, org: &str, name: &str) -> System {
        self.register_as(client_id, org, name, false).await
    }

    /// Registers a system; `messages`: the hospital's own, answering patients' messages.
    pub async fn register_as(
        &self,
        client_id: &'static str,
        org: &str,
        name: &str,
        messages: bool,
    ) -> System {
        let pair = ES384.generate_key_pair().unwrap();
        let mut key = pair.to_jwk_private_key();
        key.set_key_id(format!("{client_id}-key"));
        let mut public = pair.to_jwk_public_key();
        public.set_key_id(format!("{client_id}-key"));
        let mut set = JwkSet::new();
        set.push_key(public);
        let mut conn = self.state.store.conn().await.unwrap();
        registry::put_organisation(
            &mut conn,
            &Organisation {
                id: org.into(),
                name: name.into(),
            },
            0,
        )
        .await
        .unwrap();
        registry::register(&mut conn, client_id, org, &set.to_string(), messages, 0)
            .await
            .unwrap();
        System { client_id, key }
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Answer {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::builder()
            .method("POST")
            .uri("/professional/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.answer(req).await
    }

    pub async fn token_with(&self, assertion: &str, scope: &str) -> Answer {
        self.token_request(&[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
        .await
    }

    /// A token for this system, for a cardiologist reading for this purpose.
    pub async fn token(&self, system: &System, purpose: &str) -> String {
        let answer = self
            .token_with(&assertion(system, claims(system, purpose)), "system/*.rs")
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn fhir(&self, token: &str, path: &str) -> Answer {
        self.send(
            Call::new("GET", &format!("/professional/fhir/{path}"))
                .header("authorization", format!("Bearer {token}")),
        )
        .await
    }

    pub async fn object(&self, cookie: &str, patient: &str, kind: &str, target: &str) -> Answer {
        self.call(
            "POST",
            &format!("/api/v1/privacy/{patient}/objections"),
            Some(cookie),
            Some(json!({"kind": kind, "target": target})),
        )
        .await
    }

    /// The first resource of a type in a patient's record, as the patient reads it.
    pub async fn first(&self, cookie: &str, resource_type: &str, patient: &str) -> Value {
        self.get(
            &format!("/api/v1/fhir/{resource_type}?patient={patient}&_count=1"),
            cookie,
        )
        .await
        .body["entry"][0]["resource"]
            .clone()
    }
}

pub fn now() -> i64 {
    carefront_portal::infra::time::now()
}

pub fn claims(system: &System, purpose: &str) -> Value {
    json!({
        "iss": system.client_id,
        "sub": system.client_id,
        "aud": TOKEN_URL,
        "exp": now() + 240,
        "jti": carefront_portal::infra::tokens::random_token(),
        "extensions": {"ihe_iua": {
            "subject_name": "Dr Sam Patel",
            "subject_role": {"system": "http://snomed.info/sct", "code": "17561000", "display": "Cardiologist"},
            "purpose_of_use": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": purpose},
        }},
    })
}

pub fn signed(key: &Jwk, alg: &str, claims: &Value) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    header.set_key_id(key.key_id().unwrap());
    let Value::Object(map) = claims else {
        unreachable!()
    };
    let payload = JwtPayload::from_map(map.clone()).unwrap();
    match alg {
        "RS384" => josekit::jwt::encode_with_signer(
            &payload,
            &header,
            &RS384.signer_from_jwk(key).unwrap(),
        ),
        _ => josekit::jwt::encode_with_signer(
            &payload,
            &header,
            &ES384.signer_from_jwk(key).unwrap(),
        ),
    }
    .unwrap()
}

pub fn assertion(system: &System, claims: Value) -> String {
    signed(&system.key, "ES384", &claims)
}
