//! Another organisation's system reading under its token: the types its scope names, less what
//! the patient's objections keep back, unless it reads for an emergency (which is recorded).

use super::Grant;
use super::objections::Restrictions;
use crate::AppState;
use crate::infra::error::ApiError;
use crate::infra::store::Conn;
use crate::professional::ProfessionalAccess;
use crate::records::{self, Records};

/// Whether, and on what footing, a professional may read this patient's record: refused if the
/// patient objected to all sharing or to their organisation, unless for an emergency.
pub async fn grant(
    conn: &mut Conn,
    state: &AppState,
    access: &ProfessionalAccess,
    patient_id: &str,
) -> Result<Grant, ApiError> {
    if state
        .records
        .read(conn, "Patient", patient_id)
        .await?
        .is_none()
    {
        return Err(ApiError::PatientNotInScope);
    }
    let restrictions = Restrictions::for_organisation(
        conn,
        &state.records,
        &state.info.privacy.categories,
        patient_id,
        &access.organisation.id,
    )
    .await?;
    let emergency = access.subject.purpose().is_emergency();
    if !restrictions.blanket.is_empty() && !emergency {
        return Err(ApiError::PatientObjected { whole: true });
    }
    Ok(Grant::Professional {
        scope: access.scope.clone(),
        types: access.scope.filter(),
        restrictions,
        emergency,
    })
}

/// What the patient's objections did to a professional's search: kept entries back (said in
/// the answer), or, in an emergency, would have and were set aside (said in the audit trail).
#[derive(Debug, Default)]
pub struct Effect {
    pub kept_back: bool,
    pub set_aside: Vec<i64>,
}

pub async fn search_effect(
    conn: &mut Conn,
    records: &Records,
    grant: &Grant,
    resource_type: &str,
    query: &records::Search,
) -> Result<Effect, ApiError> {
    let Grant::Professional {
        restrictions,
        emergency,
        ..
    } = grant
    else {
        return Ok(Effect::default());
    };
    let touched = restrictions.hides_parts() && {
        let mut all = query.clone();
        (all.count, all.offset) = (0, 0);
        let mut left = all.clone();
        restrictions.narrow(&mut left, resource_type);
        records
            .search::<serde_json::Value>(conn, resource_type, &all)
            .await?
            .0
            > records
                .search::<serde_json::Value>(conn, resource_type, &left)
                .await?
                .0
    };
    Ok(match emergency {
        true if touched || !restrictions.blanket.is_empty() => Effect {
            kept_back: false,
            set_aside: restrictions.all(),
        },
        true => Effect::default(),
        false => Effect {
            kept_back: touched,
            set_aside: Vec::new(),
        },
    })
}

/// The objections an emergency read of this resource set aside.
pub fn read_effect(grant: &Grant, resource_type: &str, resource: &serde_json::Value) -> Vec<i64> {
    match grant {
        Grant::Professional {
            restrictions,
            emergency: true,
            ..
        } if !restrictions.blanket.is_empty() || restrictions.hides(resource_type, resource) => {
            restrictions.all()
        }
        _ => Vec::new(),
    }
}

/// Said in a search's answer when objections kept entries back, so the other system can tell
/// its user that the record they see is not all of it.
pub static KEPT_BACK: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    serde_json::json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "information",
            "code": "suppressed",
            "details": {
                "coding": [{"system": "urn:carefront:problem", "code": "patient-objected"}],
                "text": "Some entries are not shown: the patient has asked that they are not shared with other organisations. In an emergency, ask again with purpose of use ETREAT or BTG.",
            },
        }],
    })
});
