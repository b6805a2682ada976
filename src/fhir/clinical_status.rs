//! Where a condition or an allergy stands: FHIR's clinical and verification statuses read as one,
//! in the words its card shows, and whether it is current.

use super::entries::Place;
use super::first_code;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClinicalStatus {
    Active,
    ComeBack,
    Relapsed,
    Suspected,
    Inactive,
    InRemission,
    Resolved,
    RuledOut,
}

impl ClinicalStatus {
    /// From a Condition's or an AllergyIntolerance's statuses; `ended` when it has an end
    /// (abatement), which settles it when no clinical status was recorded.
    pub fn of(r: &Value, ended: bool) -> Self {
        let verification = first_code(&r["verificationStatus"]);
        let status = match (verification, first_code(&r["clinicalStatus"])) {
            (Some("refuted"), _) => Self::RuledOut,
            (_, Some("active")) => Self::Active,
            (_, Some("recurrence")) => Self::ComeBack,
            (_, Some("relapse")) => Self::Relapsed,
            (_, Some("inactive")) => Self::Inactive,
            (_, Some("remission")) => Self::InRemission,
            (_, Some("resolved")) => Self::Resolved,
            _ if ended => Self::Resolved,
            // No clinical status: it still applies unless something says otherwise.
            _ => Self::Active,
        };
        match status.place() {
            Place::Current if verification == Some("provisional") => Self::Suspected,
            _ => status,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::ComeBack => "Come back",
            Self::Relapsed => "Relapsed",
            Self::Suspected => "Suspected",
            Self::Inactive => "Inactive",
            Self::InRemission => "In remission",
            Self::Resolved => "Resolved",
            Self::RuledOut => "Ruled out",
        }
    }

    pub fn place(self) -> Place {
        match self {
            Self::Active | Self::ComeBack | Self::Relapsed | Self::Suspected => Place::Current,
            Self::Inactive | Self::InRemission | Self::Resolved | Self::RuledOut => Place::Past,
        }
    }
}
