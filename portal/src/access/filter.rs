//! The types and labels a reader may see, whatever gave them that footing.

use std::collections::BTreeSet;

/// What a reader may see of a record: the resource types (a proxy's level, a share's sections,
/// a token's scope) and the security labels kept back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// None: every type.
    pub types: Option<BTreeSet<String>>,
    pub labels: BTreeSet<String>,
}

impl Filter {
    pub(crate) fn narrow(&mut self, types: Option<&Vec<String>>, labels: &[String]) {
        if let Some(types) = types {
            let allowed: BTreeSet<String> = types.iter().cloned().collect();
            self.types = Some(match self.types.take() {
                Some(before) => before.intersection(&allowed).cloned().collect(),
                None => allowed,
            });
        }
        self.labels.extend(labels.iter().cloned());
    }

    /// Patient is always readable: whose record it is must be shown.
    pub fn allows_type(&self, resource_type: &str) -> bool {
        resource_type == "Patient"
            || self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(resource_type))
    }

    pub fn allows_labels<'a>(&self, mut labels: impl Iterator<Item = &'a str>) -> bool {
        !labels.any(|l| self.labels.contains(l))
    }
}
