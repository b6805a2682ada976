//! The portal as a SMART Backend Services client (RFC 7523 `private_key_jwt`): the signed
//! assertion that proves a client holds its private key, for the record server's authorization
//! server (gateway mode) and for `professional read`.

use crate::infra::time;
use crate::infra::tokens::random_token;
use josekit::jwk::Jwk;
use josekit::jws::{ES384, JwsHeader, JwsSigner, RS384};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
use std::path::Path;

/// An assertion lives for minutes at most (SMART Backend Services: no more than five).
const LIFETIME_SECONDS: i64 = 240;

/// A client's private key, read from a JWK file (as `professional keygen` writes it).
pub struct ClientKey {
    jwk: Jwk,
    signer: Box<dyn JwsSigner>,
}

impl ClientKey {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let jwk = Jwk::from_bytes(text.as_bytes())
            .map_err(|e| format!("{} is not a JWK: {e}", path.display()))?;
        if jwk.key_id().is_none() {
            return Err(format!("the key in {} has no kid", path.display()));
        }
        // SMART asks every server to take RS384 and ES384: the key's own kind picks which.
        let signer: Box<dyn JwsSigner> = match jwk.key_type() {
            "RSA" => Box::new(RS384.signer_from_jwk(&jwk).map_err(|e| e.to_string())?),
            _ => Box::new(ES384.signer_from_jwk(&jwk).map_err(|e| e.to_string())?),
        };
        Ok(Self { jwk, signer })
    }

    /// An assertion for `client_id` to give `token_endpoint`, fresh each time (its `jti` is
    /// used once), with any `extensions` the authorization server reads.
    pub fn assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        extensions: Option<Value>,
    ) -> Result<String, String> {
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id(self.jwk.key_id().unwrap_or_default());
        let mut payload = JwtPayload::new();
        payload.set_issuer(client_id);
        payload.set_subject(client_id);
        payload.set_audience(vec![token_endpoint]);
        payload.set_jwt_id(random_token());
        payload
            .set_claim("exp", Some(json!(time::now() + LIFETIME_SECONDS)))
            .map_err(|e| e.to_string())?;
        if let Some(extensions) = extensions {
            payload
                .set_claim("extensions", Some(extensions))
                .map_err(|e| e.to_string())?;
        }
        josekit::jwt::encode_with_signer(&payload, &header, &*self.signer)
            .map_err(|e| e.to_string())
    }
}
