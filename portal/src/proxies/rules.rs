//! The hospital's rules for proxy access, which are configuration rather than code (hospitals
//! draw the age lines differently), and what they make of one relationship on a given day.

use crate::access::Filter;
use crate::records::PATIENT_TYPES;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyRules {
    /// What a proxy may see: the first level is the fullest.
    pub levels: Vec<Level>,
    /// For parental relationships: from which birthday which level applies. The first band
    /// starts at 0; a band without a level ends parental access.
    pub age_bands: Vec<AgeBand>,
    /// How many days ahead a proxy and a patient are told of a change in access.
    pub notice_days: i64,
    /// The labels a patient withholds by choosing "not sensitive information" in an invitation.
    pub sensitive_labels: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Level {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The resource types this level shows; all of them when absent. Patient is always shown.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// Security labels (`meta.security` codes) this level withholds.
    #[serde(default)]
    pub withheld_labels: Vec<String>,
    /// Whether a patient may choose this level when inviting someone.
    #[serde(default = "yes")]
    pub invitable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgeBand {
    pub from_age: u32,
    /// None: parental access ends at this age.
    #[serde(default)]
    pub level: Option<String>,
    /// Access is paused until the young person agrees to it.
    #[serde(default)]
    pub needs_agreement: bool,
}

/// Sensitivity (v3-ActCode) and confidentiality (v3-Confidentiality) codes the built-in rules
/// withhold from limited proxies.
const SENSITIVE: &[&str] = &[
    "HIV", "PSY", "MH", "ETH", "SUD", "SEX", "STD", "SDV", "R", "V",
];

impl Default for ProxyRules {
    fn default() -> Self {
        let sensitive: Vec<String> = SENSITIVE.iter().map(|s| s.to_string()).collect();
        Self {
            levels: vec![
                Level {
                    id: "full".into(),
                    name: "Full access".into(),
                    description: "Everything in the record that the patient can see.".into(),
                    types: None,
                    withheld_labels: Vec::new(),
                    invitable: true,
                },
                Level {
                    id: "limited".into(),
                    name: "Limited access".into(),
                    description: "The record without sensitive information: sexual health, mental health, drug and alcohol treatment, HIV, and anything marked confidential.".into(),
                    types: None,
                    withheld_labels: sensitive.clone(),
                    invitable: true,
                },
                Level {
                    id: "appointments".into(),
                    name: "Appointments only".into(),
                    description: "Appointments, and nothing else in the record.".into(),
                    types: Some(vec!["Appointment".into()]),
                    withheld_labels: sensitive.clone(),
                    invitable: true,
                },
            ],
            age_bands: vec![
                AgeBand {
                    from_age: 0,
                    level: Some("full".into()),
                    needs_agreement: false,
                },
                AgeBand {
                    from_age: 12,
                    level: Some("limited".into()),
                    needs_agreement: false,
                },
                AgeBand {
                    from_age: 16,
                    level: Some("limited".into()),
                    needs_agreement: true,
                },
                AgeBand {
                    from_age: 18,
                    level: None,
                    needs_agreement: false,
                },
            ],
            notice_days: 30,
            sensitive_labels: sensitive,
        }
    }
}

impl ProxyRules {
    /// Rules read from the operator's file must make sense before the portal serves anyone.
    pub fn check(&self) -> Result<(), String> {
        let mut ids = BTreeSet::new();
        for level in &self.levels {
            if level.id.is_empty() || level.id.contains(char::is_whitespace) {
                return Err(format!("level id {:?} must be one word", level.id));
            }
            if !ids.insert(level.id.as_str()) {
                return Err(format!("level {:?} appears twice", level.id));
            }
            for t in level.types.iter().flatten() {
                if !PATIENT_TYPES.contains(&t.as_str()) {
                    return Err(format!(
                        "level {:?}: {t:?} is not a record type this portal serves",
                        level.id
                    ));
                }
            }
            check_labels(&level.withheld_labels)?;
        }
        check_labels(&self.sensitive_labels)?;
        if self.levels.is_empty() {
            return Err("there must be at least one level".into());
        }
        if self.age_bands.first().map(|b| b.from_age) != Some(0) {
            return Err("the first age band starts at 0".into());
        }
        if !self
            .age_bands
            .windows(2)
            .all(|w| w[0].from_age < w[1].from_age)
        {
            return Err("age bands go up in age, each once".into());
        }
        for band in &self.age_bands {
            if let Some(level) = &band.level
                && !ids.contains(level.as_str())
            {
                return Err(format!(
                    "age band from {}: no level {level:?}",
                    band.from_age
                ));
            }
        }
        if self.notice_days < 0 {
            return Err("noticeDays cannot be negative".into());
        }
        Ok(())
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }
}

fn check_labels(labels: &[String]) -> Result<(), String> {
    match labels
        .iter()
        .find(|l| l.is_empty() || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        Some(bad) => Err(format!("{bad:?} is not a security label code")),
        None => Ok(()),
    }
}

/// The days of a relationship, as days since 1970-01-01.
#[derive(Clone, Debug, PartialEq)]
pub struct Terms {
    pub parental: bool,
    pub level: String,
    pub withheld_labels: Vec<String>,
    pub starts_on: i64,
    pub ends_on: Option<i64>,
    pub stopped: bool,
    pub agreed: bool,
    /// The patient's date of birth, for parental relationships.
    pub born: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum Withheld {
    /// The patient's age puts them in a band that limits what a parent sees.
    #[serde(rename_all = "camelCase")]
    Age {
        age: u32,
        from_age: u32,
        to_age: Option<u32>,
        labels: Vec<String>,
        types: Option<Vec<String>>,
    },
    /// The level the relationship was given.
    #[serde(rename_all = "camelCase")]
    Level {
        level: String,
        labels: Vec<String>,
        types: Option<Vec<String>>,
    },
    /// Labels the patient chose to withhold from this person.
    PatientChoice { labels: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum State {
    Active,
    NotStarted,
    /// Parental access at an age that needs the young person's agreement, not (yet) given.
    #[serde(rename_all = "camelCase")]
    NeedsAgreement {
        age: u32,
    },
    /// A parental relationship for a patient whose date of birth is not known: closed, to be safe.
    BirthDateUnknown,
    #[serde(rename_all = "camelCase")]
    Ended {
        why: EndReason,
        #[serde(skip_serializing_if = "Option::is_none")]
        age: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    Age,
    Date,
    Stopped,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Access stops.
    Ends,
    /// Less of the record is shown.
    Reduced,
    /// Access pauses until the young person agrees.
    NeedsAgreement,
}

/// A change to come: on which day (days since 1970-01-01), what, and the age that brings it.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub on: i64,
    pub kind: ChangeKind,
    pub age: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    pub state: State,
    pub filter: Filter,
    pub withheld: Vec<Withheld>,
    /// When access is due to end, and why (an end date, or an age).
    pub ends: Option<(i64, EndReason)>,
    /// The next change in access, if one is due.
    pub next_change: Option<Change>,
}

/// Whole years from `born` to `today` (days since 1970-01-01). Someone born on 29 February
/// turns a year older on 1 March in other years.
pub fn age_on(born: i64, today: i64) -> u32 {
    use crate::infra::time::civil_from_days;
    let (by, bm, bd) = civil_from_days(born);
    let (ty, tm, td) = civil_from_days(today);
    let years = ty - by - i64::from((tm, td) < (bm, bd));
    years.max(0) as u32
}

/// The day someone born on `born` turns `age`.
pub fn birthday(born: i64, age: u32) -> i64 {
    use crate::infra::time::{civil_from_days, days_from_civil};
    let (y, m, d) = civil_from_days(born);
    let year = y + i64::from(age);
    let day = days_from_civil(year, m, d);
    // 29 February in a year without one rolls on to 1 March.
    if civil_from_days(day) == (year, m, d) {
        day
    } else {
        days_from_civil(year, 3, 1)
    }
}

impl ProxyRules {
    fn band_at(&self, age: u32) -> (usize, &AgeBand) {
        let i = self
            .age_bands
            .iter()
            .rposition(|b| b.from_age <= age)
            .unwrap_or(0);
        (i, &self.age_bands[i])
    }

    /// Where a relationship stands on `today`.
    pub fn standing(&self, terms: &Terms, today: i64) -> Standing {
        let mut filter = Filter::default();
        let mut withheld = Vec::new();
        // An unknown level shows nothing: a rules file that dropped a level closes it, not opens it.
        let level = self.level(&terms.level);
        match level {
            Some(level) => {
                filter.narrow(level.types.as_ref(), &level.withheld_labels);
                if level.types.is_some() || !level.withheld_labels.is_empty() {
                    withheld.push(Withheld::Level {
                        level: level.id.clone(),
                        labels: level.withheld_labels.clone(),
                        types: level.types.clone(),
                    });
                }
            }
            None => filter.narrow(Some(&Vec::new()), &[]),
        }
        if !terms.withheld_labels.is_empty() {
            filter.narrow(None, &terms.withheld_labels);
            withheld.push(Withheld::PatientChoice {
                labels: terms.withheld_labels.clone(),
            });
        }
        let mut state = State::Active;
        let mut ends = terms.ends_on.map(|d| (d, EndReason::Date));
        let mut next_change = terms.ends_on.filter(|d| *d > today).map(|on| Change {
            on,
            kind: ChangeKind::Ends,
            age: None,
        });
        if terms.parental {
            match terms.born {
                None => state = State::BirthDateUnknown,
                Some(born) => {
                    let age = age_on(born, today);
                    let (i, band) = self.band_at(age);
                    match band.level.as_deref().and_then(|id| self.level(id)) {
                        None => {
                            state = State::Ended {
                                why: EndReason::Age,
                                age: Some(band.from_age),
                            }
                        }
                        Some(band_level) => {
                            if band_level.types.is_some() || !band_level.withheld_labels.is_empty()
                            {
                                filter
                                    .narrow(band_level.types.as_ref(), &band_level.withheld_labels);
                                withheld.push(Withheld::Age {
                                    age,
                                    from_age: band.from_age,
                                    to_age: self.age_bands.get(i + 1).map(|b| b.from_age - 1),
                                    labels: band_level.withheld_labels.clone(),
                                    types: band_level.types.clone(),
                                });
                            }
                            if band.needs_agreement && !terms.agreed {
                                state = State::NeedsAgreement { age };
                            }
                        }
                    }
                    // The age at which parental access ends, if the rules have one.
                    if let Some(end) = self.age_bands.iter().find(|b| b.level.is_none()) {
                        let on = birthday(born, end.from_age);
                        if ends.is_none_or(|(d, _)| on < d) {
                            ends = Some((on, EndReason::Age));
                        }
                    }
                    // The next band, if it comes before any end date.
                    if let Some(next) = self.age_bands.get(i + 1) {
                        let on = birthday(born, next.from_age);
                        let kind = if next.level.is_none() {
                            Some(ChangeKind::Ends)
                        } else if next.needs_agreement && !terms.agreed {
                            Some(ChangeKind::NeedsAgreement)
                        } else if next.level != band.level {
                            Some(ChangeKind::Reduced)
                        } else {
                            None
                        };
                        if let Some(kind) = kind
                            && next_change.as_ref().is_none_or(|c| on <= c.on)
                        {
                            next_change = Some(Change {
                                on,
                                kind,
                                age: Some(next.from_age),
                            });
                        }
                    }
                }
            }
        }
        if terms.stopped {
            state = State::Ended {
                why: EndReason::Stopped,
                age: None,
            };
        } else if terms.ends_on.is_some_and(|d| d <= today) {
            state = State::Ended {
                why: EndReason::Date,
                age: None,
            };
        } else if today < terms.starts_on && state == State::Active {
            state = State::NotStarted;
        }
        if !matches!(state, State::Active | State::NotStarted) {
            next_change = None;
        }
        let next_change = next_change.filter(|c| c.on - today <= self.notice_days);
        Standing {
            state,
            filter,
            withheld,
            ends,
            next_change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::time::days_from_civil;

    fn day(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d)
    }

    fn parental(born: i64) -> Terms {
        Terms {
            parental: true,
            level: "full".into(),
            withheld_labels: Vec::new(),
            starts_on: born,
            ends_on: None,
            stopped: false,
            agreed: false,
            born: Some(born),
        }
    }

    #[test]
    fn ages_turn_on_the_birthday_and_leap_days_on_the_first_of_march() {
        let born = day(2012, 5, 17);
        assert_eq!(age_on(born, day(2024, 5, 16)), 11);
        assert_eq!(age_on(born, day(2024, 5, 17)), 12);
        let leap = day(2008, 2, 29);
        assert_eq!(age_on(leap, day(2025, 2, 28)), 16);
        assert_eq!(age_on(leap, day(2025, 3, 1)), 17);
        assert_eq!(birthday(leap, 17), day(2025, 3, 1));
        assert_eq!(birthday(leap, 16), day(2024, 2, 29));
        assert_eq!(age_on(born, day(2000, 1, 1)), 0);
    }

    #[test]
    fn a_birthday_moves_a_parent_between_bands_with_no_one_doing_anything() {
        let rules = ProxyRules::default();
        let born = day(2012, 5, 17);
        let terms = parental(born);
        let eleven = rules.standing(&terms, day(2024, 5, 16));
        assert_eq!(eleven.state, State::Active);
        assert!(eleven.filter.labels.is_empty());
        assert_eq!(
            eleven.next_change,
            Some(Change {
                on: day(2024, 5, 17),
                kind: ChangeKind::Reduced,
                age: Some(12)
            })
        );
        assert_eq!(eleven.ends, Some((day(2030, 5, 17), EndReason::Age)));

        let twelve = rules.standing(&terms, day(2024, 5, 17));
        assert_eq!(twelve.state, State::Active);
        assert!(twelve.filter.labels.contains("PSY") && twelve.filter.labels.contains("R"));
        assert!(matches!(
            twelve.withheld[..],
            [Withheld::Age {
                age: 12,
                from_age: 12,
                to_age: Some(15),
                ..
            }]
        ));
        assert_eq!(twelve.next_change, None, "four years off is not news yet");

        let sixteen = rules.standing(&terms, day(2028, 5, 17));
        assert_eq!(sixteen.state, State::NeedsAgreement { age: 16 });
        let agreed = rules.standing(
            &Terms {
                agreed: true,
                ..terms.clone()
            },
            day(2028, 5, 17),
        );
        assert_eq!(agreed.state, State::Active);

        assert_eq!(
            rules.standing(&terms, day(2030, 5, 17)).state,
            State::Ended {
                why: EndReason::Age,
                age: Some(18)
            }
        );
        assert_eq!(
            rules
                .standing(
                    &Terms {
                        agreed: true,
                        ..terms
                    },
                    day(2030, 5, 16)
                )
                .next_change
                .map(|c| c.kind),
            Some(ChangeKind::Ends)
        );
    }

    #[test]
    fn other_hospitals_draw_other_lines() {
        let rules = ProxyRules {
            age_bands: vec![
                AgeBand {
                    from_age: 0,
                    level: Some("full".into()),
                    needs_agreement: false,
                },
                AgeBand {
                    from_age: 13,
                    level: None,
                    needs_agreement: false,
                },
            ],
            ..ProxyRules::default()
        };
        rules.check().unwrap();
        let terms = parental(day(2012, 5, 17));
        assert_eq!(
            rules.standing(&terms, day(2025, 5, 16)).state,
            State::Active
        );
        assert!(matches!(
            rules.standing(&terms, day(2025, 5, 17)).state,
            State::Ended {
                why: EndReason::Age,
                ..
            }
        ));
    }

    #[test]
    fn an_end_date_a_stop_and_a_start_date_each_decide() {
        let rules = ProxyRules::default();
        let adult = Terms {
            parental: false,
            level: "limited".into(),
            withheld_labels: vec!["SEX".into()],
            starts_on: day(2026, 1, 1),
            ends_on: Some(day(2027, 3, 1)),
            stopped: false,
            agreed: false,
            born: None,
        };
        assert_eq!(
            rules.standing(&adult, day(2025, 12, 31)).state,
            State::NotStarted
        );
        let now = rules.standing(&adult, day(2027, 2, 10));
        assert_eq!(now.state, State::Active);
        assert_eq!(
            now.next_change,
            Some(Change {
                on: day(2027, 3, 1),
                kind: ChangeKind::Ends,
                age: None
            })
        );
        assert!(matches!(now.withheld[1], Withheld::PatientChoice { .. }));
        assert!(matches!(
            rules.standing(&adult, day(2027, 3, 1)).state,
            State::Ended {
                why: EndReason::Date,
                ..
            }
        ));
        let stopped = Terms {
            stopped: true,
            ..adult
        };
        assert!(matches!(
            rules.standing(&stopped, day(2026, 6, 1)).state,
            State::Ended {
                why: EndReason::Stopped,
                ..
            }
        ));
    }

    #[test]
    fn unknown_birth_dates_and_levels_close_access() {
        let rules = ProxyRules::default();
        let mut terms = parental(day(2015, 1, 1));
        terms.born = None;
        assert_eq!(
            rules.standing(&terms, day(2026, 1, 1)).state,
            State::BirthDateUnknown
        );
        let gone = Terms {
            parental: false,
            level: "removed-level".into(),
            ..parental(day(2015, 1, 1))
        };
        let standing = rules.standing(&gone, day(2026, 1, 1));
        assert!(!standing.filter.allows_type("Observation"));
        assert!(standing.filter.allows_type("Patient"));
    }

    #[test]
    fn levels_narrow_types_and_labels() {
        let rules = ProxyRules::default();
        let appointments = Terms {
            parental: false,
            level: "appointments".into(),
            ..parental(day(2000, 1, 1))
        };
        let f = rules.standing(&appointments, day(2026, 1, 1)).filter;
        assert!(f.allows_type("Appointment") && !f.allows_type("Observation"));
        assert!(!f.allows_labels(["N", "HIV"].into_iter()));
        assert!(f.allows_labels(["N"].into_iter()));
    }

    #[test]
    fn rules_that_make_no_sense_are_refused() {
        ProxyRules::default().check().unwrap();
        let mut r = ProxyRules::default();
        r.age_bands[1].from_age = 0;
        assert!(r.check().is_err());
        let mut r = ProxyRules::default();
        r.age_bands[0].level = Some("none-such".into());
        assert!(r.check().is_err());
        let mut r = ProxyRules::default();
        r.levels[2].types = Some(vec!["Consent".into()]);
        assert!(r.check().is_err());
        let mut r = ProxyRules::default();
        r.sensitive_labels.push("H I V".into());
        assert!(r.check().is_err());
        assert!(serde_json::from_str::<ProxyRules>(r#"{"levels": [], "ageBands": [], "noticeDays": 1, "sensitiveLabels": [], "extra": 1}"#).is_err());
    }
}
