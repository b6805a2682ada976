//! Who may read what: the one place that decides. A reader (the patient, someone acting for
//! them under the proxy rules, a share's viewer under its sections, another organisation's system
//! under its scope, purpose and the patient's objections) is given a [`Grant`] on one patient's
//! record, and the grant answers for a read, for a search (the SQL filter), and for what the
//! reader may do beside reading (share the record, make privacy choices, message the care team, hear of something new).
//! Every FHIR route set, the share files, the privacy centre, the proxy screens and the emails of
//! new information ask here; the modules that keep the data do not decide.

mod filter;
mod grant;
pub mod objections;
mod professional;
pub mod proxy;
mod reader;
mod what;

pub use filter::Filter;
pub use grant::{Choices, Conversations, Grant};
pub use professional::{Effect, KEPT_BACK};
pub use reader::{Reader, RecordAccess, refusal_as_said, shared};
pub use what::What;
