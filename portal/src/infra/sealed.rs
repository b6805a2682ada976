//! Secrets the portal must read back (authenticator-app secrets), sealed at rest with a key held
//! outside the database: a copy of the database alone gives no one a patient's codes. Each is a
//! compact JWE (`dir`, `A256GCM`, a fresh IV each time) whose `kid` names the key, so a wrong
//! key file is told apart from a damaged value.

use super::store::Dialect;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct SecretsKey {
    bytes: [u8; 32],
    id: String,
}

impl SecretsKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        // The key's own fingerprint, short: enough to say "not this key", nothing to attack.
        let id = Sha256::digest(Sha256::digest(bytes))[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { bytes, id }
    }

    /// The key as a file holds it: 32 bytes, base64url, one line.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.bytes)
    }

    pub fn from_text(text: &str) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or("a secrets key is 32 bytes in base64url on one line")?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the secrets key {}: {e}", path.display()))?;
        Self::from_text(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes a new key to a file only its owner may read; an existing file is never replaced,
    /// since the secrets sealed with it would be lost.
    pub fn create(path: &Path) -> Result<Self, String> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let key = Self::generate();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| format!("cannot create the secrets key {}: {e}", path.display()))?;
        writeln!(file, "{}", key.to_text()).map_err(|e| e.to_string())?;
        Ok(key)
    }

    /// The key named, or the development default beside a SQLite file, made on first use. A
    /// PostgreSQL database has no beside, and the portals sharing it must share one key.
    pub fn for_database(named: Option<&Path>, db: &Path, create: bool) -> Result<Self, String> {
        if let Some(path) = named {
            return Self::read(path);
        }
        if Dialect::of_location(&db.to_string_lossy()) == Dialect::Postgres {
            return Err("--secrets-key-file is required with a PostgreSQL database: every portal on it uses the same key (make one with `carefront-portal secrets-key --out FILE`)".into());
        }
        let beside = beside(db);
        if beside.exists() || !create {
            Self::read(&beside)
        } else {
            Self::create(&beside)
        }
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut header = josekit::jwe::JweHeader::new();
        header.set_content_encryption("A256GCM");
        header.set_key_id(&self.id);
        let encrypter = josekit::jwe::Dir
            .encrypter_from_bytes(self.bytes)
            .expect("a 32-byte key suits A256GCM");
        josekit::jwe::serialize_compact(plaintext.as_bytes(), &header, &encrypter)
            .expect("sealing a short text does not fail")
    }

    /// The text sealed, or why it cannot be read: another key, or not a sealed value at all.
    pub fn open(&self, sealed: &str) -> Result<String, Unsealable> {
        let kid = sealed
            .split('.')
            .next()
            .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
            .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
            .and_then(|h| h["kid"].as_str().map(String::from))
            .ok_or(Unsealable::NotSealed)?;
        if kid != self.id {
            return Err(Unsealable::OtherKey);
        }
        let decrypter = josekit::jwe::Dir
            .decrypter_from_bytes(self.bytes)
            .expect("a 32-byte key suits A256GCM");
        let (plain, _) = josekit::jwe::deserialize_compact(sealed, &decrypter)
            .map_err(|_| Unsealable::Damaged)?;
        String::from_utf8(plain).map_err(|_| Unsealable::Damaged)
    }
}

#[derive(Debug, PartialEq)]
pub enum Unsealable {
    NotSealed,
    OtherKey,
    Damaged,
}

/// Where a development portal keeps its key when none is named.
pub fn beside(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".secrets-key");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgresql_database_needs_a_key_file_and_nothing_is_made_for_it() {
        let db = Path::new("postgres://carefront@127.0.0.1:5432/portal");
        let refused = SecretsKey::for_database(None, db, true).err().unwrap();
        assert!(refused.contains("--secrets-key-file"), "{refused}");
        assert!(!beside(db).exists() && !Path::new("postgres:").exists());
    }

    #[test]
    fn sealed_text_opens_only_with_its_own_key() {
        let key = SecretsKey::generate();
        let sealed = key.seal("JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, key.seal("JBSWY3DPEHPK3PXP"), "a fresh IV each time");
        assert_eq!(key.open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        let other = SecretsKey::generate();
        assert_eq!(other.open(&sealed), Err(Unsealable::OtherKey));
        assert_eq!(key.open("JBSWY3DPEHPK3PXP"), Err(Unsealable::NotSealed));
        let mut parts: Vec<String> = sealed.split('.').map(String::from).collect();
        parts[3] = URL_SAFE_NO_PAD.encode(b"tampered ciphertext");
        assert_eq!(key.open(&parts.join(".")), Err(Unsealable::Damaged));
    }

    #[test]
    fn key_files_round_trip_and_are_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("carefront-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("portal.db");
        let _ = std::fs::remove_file(beside(&db));
        assert!(SecretsKey::for_database(None, &db, false).is_err());
        let made = SecretsKey::for_database(None, &db, true).unwrap();
        let again = SecretsKey::for_database(None, &db, true).unwrap();
        assert_eq!(made.to_text(), again.to_text());
        assert!(SecretsKey::create(&beside(&db)).is_err());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(beside(&db)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(SecretsKey::from_text("too short").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
