//! The skill taxonomy: skills, aliases, the parent tree and relations between skills.
