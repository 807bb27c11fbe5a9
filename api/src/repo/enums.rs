//! Enumerations stored as TEXT (portable across both backends), with their
//! conversions. The CHECK constraints in the migrations list the same values.

use std::fmt;
use std::str::FromStr;

/// A stored value that is not one of an enumeration's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownValue {
    /// The enumeration.
    pub kind: &'static str,
    /// The value found.
    pub value: String,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a user may do.
    Role { Learner = "LEARNER", Recruiter = "RECRUITER", Institution = "INSTITUTION", Admin = "ADMIN" }
);
text_enum!(
    /// Who may see a learner. PRIVATE (the default): nobody but the learner and admins.
    Visibility { Private = "PRIVATE", Recruiters = "RECRUITERS", Public = "PUBLIC" }
);
text_enum!(
    /// Employers post jobs; institutions publish microcredentials and issue credentials.
    OrganizationKind { Employer = "EMPLOYER", Institution = "INSTITUTION" }
);
text_enum!(
    /// Where a learner wants to work.
    RemotePreference { Remote = "REMOTE", Hybrid = "HYBRID", Onsite = "ONSITE", Any = "ANY" }
);
text_enum!(
    /// A job's state.
    JobStatus { Open = "OPEN", Closed = "CLOSED" }
);
text_enum!(
    /// A credential's recorded verification state. EXPIRED is derived from `expires_at`.
    CredentialStatus { Verified = "VERIFIED", Unverified = "UNVERIFIED", Revoked = "REVOKED" }
);
text_enum!(
    /// Where a credential came from.
    CredentialSource {
        /// Issued here by an institution for one of its microcredentials (verified).
        Issued = "ISSUED",
        /// Imported from an external issuer and verified there.
        Imported = "IMPORTED",
        /// Entered by the learner (unverified).
        Learner = "LEARNER",
    }
);
text_enum!(
    /// A job application's state.
    ApplicationStatus {
        Applied = "APPLIED", InReview = "IN_REVIEW", Interview = "INTERVIEW", Offer = "OFFER",
        Hired = "HIRED", Rejected = "REJECTED", Withdrawn = "WITHDRAWN",
    }
);
text_enum!(
    /// The kind of entity an outbox row names.
    EntityKind { Learner = "LEARNER", Job = "JOB", Microcredential = "MICROCREDENTIAL" }
);
text_enum!(
    /// What happened to the entity.
    Operation { Upsert = "UPSERT", Delete = "DELETE" }
);

/// Parses a stored enumeration value; a value outside the CHECK constraint's list
/// (impossible unless the database was edited by hand) is a deserialization error.
pub fn parse_stored<T: FromStr<Err = UnknownValue>>(s: &str) -> Result<T, crate::db::DbError> {
    s.parse::<T>().map_err(|e| {
        crate::db::DbError::Query(diesel::result::Error::DeserializationError(Box::new(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_text() {
        for v in Visibility::ALL {
            assert_eq!(v.as_str().parse::<Visibility>(), Ok(*v));
        }
        for v in ApplicationStatus::ALL {
            assert_eq!(v.as_str().parse::<ApplicationStatus>(), Ok(*v));
        }
        assert!("private".parse::<Visibility>().is_err());
    }
}
