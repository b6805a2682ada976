//! A reader's footing on one patient's record, and every answer that follows from it: which
//! types and labels it lets through, how a search is narrowed, how a refusal is said, and what
//! the reader may do beside reading.

use super::objections::Restrictions;
use super::professional::{self, Effect};
use super::what::What;
use crate::access::Filter;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::professional::claims::Scope;
use crate::proxies::store::Relationship;
use crate::records::{self, Records, Search};
use serde_json::Value;

/// On what footing a reader reads a patient's record.
#[derive(Clone, Debug)]
pub enum Grant {
    /// Their own record.
    Own,
    /// As a proxy, through this relationship, seeing what the filter lets through.
    Proxy { relationship: i64, filter: Filter },
    /// As the viewer of a share, seeing its sections.
    Shared { share: i64, filter: Filter },
    /// As a professional at another organisation: the types their token's scope names, less
    /// what the patient's objections keep back, unless for an emergency.
    Professional {
        scope: Scope,
        types: Filter,
        restrictions: Restrictions,
        emergency: bool,
    },
}

/// Which of the patient's privacy choices a reader may make, see and withdraw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Choices {
    /// Any: the patient, or someone acting for them with nothing withheld.
    Everything,
    /// Only to hide visits and items they can see themselves, and only choices made by someone
    /// acting for the patient: what a young person chose about their own record stays theirs.
    SeenItems,
    Nothing,
}

/// Which of a patient's conversations with their care team a reader may see and write in: the
/// one narrowing both the store's queries and every single check apply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Conversations {
    /// Every one: the patient, or someone acting for them with nothing withheld.
    All,
    /// Only those this user started: what a young person writes to their team stays private
    /// from someone whose access the proxy rules narrow.
    StartedBy(i64),
    /// None: a share's viewer, another organisation.
    None,
}

impl Conversations {
    /// The narrowing as a query applies it: only those this user started, or (None) every one.
    /// Never asked of `None`, which is refused before any query.
    pub fn only_started_by(self) -> Option<i64> {
        match self {
            Conversations::StartedBy(user) => Some(user),
            Conversations::All | Conversations::None => None,
        }
    }

    /// Whether a conversation `started_by` started (None: the hospital) is among these.
    pub fn include(self, started_by: Option<i64>) -> bool {
        match self {
            Conversations::All => true,
            Conversations::StartedBy(user) => started_by == Some(user),
            Conversations::None => false,
        }
    }
}

impl Grant {
    fn filter(&self) -> Option<&Filter> {
        match self {
            Grant::Own => None,
            Grant::Proxy { filter, .. } | Grant::Shared { filter, .. } => Some(filter),
            Grant::Professional { types, .. } => Some(types),
        }
    }

    /// The proxy relationship this grant rests on, for the audit trail.
    pub fn relationship(&self) -> Option<i64> {
        match self {
            Grant::Proxy { relationship, .. } => Some(*relationship),
            _ => None,
        }
    }

    /// Whether nothing of the record is withheld: the patient's own access, or a proxy's that
    /// no level, age or choice narrows. Never a professional's: they read only for care.
    pub fn is_full(&self) -> bool {
        !matches!(self, Grant::Professional { .. })
            && self
                .filter()
                .is_none_or(|f| f.types.is_none() && f.labels.is_empty())
    }

    fn allows_type(&self, resource_type: &str) -> bool {
        self.filter().is_none_or(|f| f.allows_type(resource_type))
    }

    /// Whether this one resource is let through: its type, its security labels, and (for a
    /// professional outside an emergency) the patient's objections.
    pub fn allows(&self, resource_type: &str, resource: &Value) -> bool {
        let kept_back = match self {
            Grant::Professional {
                restrictions,
                emergency: false,
                ..
            } => restrictions.hides(resource_type, resource),
            _ => false,
        };
        !kept_back
            && self.filter().is_none_or(|f| {
                let labels = records::security_labels(resource);
                f.allows_type(resource_type) && f.allows_labels(labels.iter().map(String::as_str))
            })
    }

    /// Whether a professional's token permits this interaction (`r` read, `s` search) on this
    /// type; anyone else is not limited by type here.
    pub fn permits(&self, resource_type: &str, interaction: char) -> Result<(), ApiError> {
        match self {
            Grant::Professional { scope, .. } if !scope.permits(resource_type, interaction) => {
                Err(ApiError::ScopeNotGranted)
            }
            _ => Ok(()),
        }
    }

    /// Whether this grant lets its reader search `what` of type `resource_type`; if so, the
    /// search is narrowed to what it lets through (in the SQL, so counts and pages stay honest)
    /// and the answer says what the patient's objections did.
    pub async fn search(
        &self,
        conn: &mut Conn,
        records: &Records,
        what: What,
        resource_type: &str,
        query: &mut Search,
    ) -> Result<Effect, ApiError> {
        self.permits(resource_type, 's')?;
        let allowed = match what {
            // Who looked at a record: for the patient, and whoever has full access to it.
            What::AccessLog => self.is_full(),
            // Which relationships are seen is decided per relationship (`relationships`).
            What::Relationships => true,
            What::Record => self.allows_type(resource_type),
            What::Referenced => false,
        };
        if !allowed {
            return Err(ApiError::Withheld);
        }
        if what != What::Record {
            return Ok(Effect::default());
        }
        let effect = professional::search_effect(conn, records, self, resource_type, query).await?;
        if let Some(f) = self.filter() {
            query.withheld_labels.extend(f.labels.iter().cloned());
        }
        if let Grant::Professional {
            restrictions,
            emergency: false,
            ..
        } = self
        {
            restrictions.narrow(query, resource_type);
        }
        Ok(effect)
    }

    /// Whether this grant lets its reader read this record resource (once `permits` has let
    /// them read its type): if so, the objections an emergency read set aside (for the audit
    /// trail).
    pub fn read(&self, resource_type: &str, resource: &Value) -> Result<Vec<i64>, ApiError> {
        let set_aside = professional::read_effect(self, resource_type, resource);
        if self.allows(resource_type, resource) {
            Ok(set_aside)
        } else {
            Err(self.withheld())
        }
    }

    /// How a refusal of something this grant does not let through is said: a professional is
    /// told the patient objected, so their system can say so; anyone else hears "not found".
    pub fn withheld(&self) -> ApiError {
        match self {
            Grant::Professional { .. } => ApiError::PatientObjected { whole: false },
            _ => ApiError::Withheld,
        }
    }

    /// Of a patient's proxy relationships, those this reader may see: every one for the patient,
    /// a proxy's own (any they hold), and none in a share or for another organisation.
    pub fn relationships(&self, all: Vec<Relationship>) -> Vec<Relationship> {
        match self {
            Grant::Own => all,
            Grant::Proxy { relationship, .. } => {
                let proxy = all
                    .iter()
                    .find(|r| r.id == *relationship)
                    .map(|r| r.proxy_user_id);
                all.into_iter()
                    .filter(|r| Some(r.proxy_user_id) == proxy)
                    .collect()
            }
            Grant::Shared { .. } | Grant::Professional { .. } => Vec::new(),
        }
    }

    /// Whether this reader may share the record: the patient, or a proxy with nothing withheld.
    pub fn may_share(&self) -> Result<(), ApiError> {
        match self {
            Grant::Own | Grant::Proxy { .. } if self.is_full() => Ok(()),
            _ => Err(ApiError::CannotShare),
        }
    }

    /// Which privacy choices this reader may make.
    pub fn choices(&self) -> Choices {
        match self {
            Grant::Own => Choices::Everything,
            Grant::Proxy { .. } if self.is_full() => Choices::Everything,
            Grant::Proxy { .. } => Choices::SeenItems,
            _ => Choices::Nothing,
        }
    }

    /// Which of the patient's conversations `reader` (the user this grant is theirs) may see
    /// and write in.
    pub fn conversations(&self, reader: i64) -> Conversations {
        match self {
            Grant::Own => Conversations::All,
            Grant::Proxy { .. } if self.is_full() => Conversations::All,
            Grant::Proxy { .. } => Conversations::StartedBy(reader),
            Grant::Shared { .. } | Grant::Professional { .. } => Conversations::None,
        }
    }

    /// Whether this reader is emailed of a reply in a conversation they see: the patient always,
    /// anyone acting for them if they asked to hear of others' records.
    pub fn hears_of_messages(&self, others_records: bool) -> bool {
        match self {
            Grant::Own => true,
            Grant::Proxy { .. } => others_records,
            _ => false,
        }
    }

    /// Whether this reader is emailed when something new of `resource_type` arrives: the
    /// patient always, anyone acting for them if they asked to be and it is theirs to see.
    pub fn hears_of(&self, resource_type: &str, resource: &Value, others_records: bool) -> bool {
        match self {
            Grant::Own => true,
            Grant::Proxy { .. } => others_records && self.allows(resource_type, resource),
            _ => false,
        }
    }
}
