//! The diesel schema, written by hand for both backends (portable types only) and kept
//! in step with migrations/postgres and migrations/sqlite by the migration tests.

diesel::table! {
    organizations (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        kind -> Text,
        location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        subject -> Text,
        role -> Text,
        organization_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    skills (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        category -> Text,
        parent_id -> Nullable<BigInt>,
        ambiguous -> Bool,
    }
}

diesel::table! {
    skill_aliases (skill_id, alias) {
        skill_id -> BigInt,
        alias -> Text,
    }
}

diesel::table! {
    occupations (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        description -> Text,
    }
}

diesel::table! {
    occupation_requirements (occupation_id, skill_id) {
        occupation_id -> BigInt,
        skill_id -> BigInt,
        min_level -> Integer,
        weight -> Double,
        required -> Bool,
    }
}

diesel::table! {
    learners (id) {
        id -> BigInt,
        user_id -> BigInt,
        display_name -> Text,
        headline -> Nullable<Text>,
        bio -> Nullable<Text>,
        location -> Nullable<Text>,
        remote_preference -> Text,
        visibility -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_opt_in -> Bool,
    }
}

diesel::table! {
    learner_aspirations (learner_id, occupation_id) {
        learner_id -> BigInt,
        occupation_id -> BigInt,
    }
}

diesel::table! {
    learner_skills (learner_id, skill_id) {
        learner_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    microcredentials (id) {
        id -> BigInt,
        slug -> Nullable<Text>,
        provider_id -> BigInt,
        title -> Text,
        description -> Text,
        hours -> Double,
        cost_cents -> BigInt,
        currency -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    microcredential_skills (microcredential_id, skill_id) {
        microcredential_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
    }
}

diesel::table! {
    microcredential_prerequisites (microcredential_id, skill_id) {
        microcredential_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
    }
}

diesel::table! {
    credentials (id) {
        id -> BigInt,
        learner_id -> BigInt,
        title -> Text,
        issuer -> Text,
        issued_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        status -> Text,
        source -> Text,
        microcredential_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credential_skills (credential_id, skill_id) {
        credential_id -> BigInt,
        learner_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        employer_id -> BigInt,
        title -> Text,
        description -> Text,
        location -> Nullable<Text>,
        remote -> Bool,
        status -> Text,
        posted_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_requirements (job_id, skill_id) {
        job_id -> BigInt,
        skill_id -> BigInt,
        min_level -> Integer,
        weight -> Double,
        required -> Bool,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        learner_id -> BigInt,
        job_id -> BigInt,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox (seq) {
        seq -> BigInt,
        entity_kind -> Text,
        entity_id -> BigInt,
        operation -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(skill_aliases -> skills (skill_id));
diesel::joinable!(occupation_requirements -> occupations (occupation_id));
diesel::joinable!(occupation_requirements -> skills (skill_id));
diesel::joinable!(learners -> users (user_id));
diesel::joinable!(learner_aspirations -> learners (learner_id));
diesel::joinable!(learner_aspirations -> occupations (occupation_id));
diesel::joinable!(learner_skills -> learners (learner_id));
diesel::joinable!(learner_skills -> skills (skill_id));
diesel::joinable!(microcredentials -> organizations (provider_id));
diesel::joinable!(microcredential_skills -> microcredentials (microcredential_id));
diesel::joinable!(microcredential_skills -> skills (skill_id));
diesel::joinable!(microcredential_prerequisites -> microcredentials (microcredential_id));
diesel::joinable!(microcredential_prerequisites -> skills (skill_id));
diesel::joinable!(credentials -> learners (learner_id));
diesel::joinable!(credentials -> microcredentials (microcredential_id));
diesel::joinable!(credential_skills -> credentials (credential_id));
diesel::joinable!(credential_skills -> skills (skill_id));
diesel::joinable!(jobs -> organizations (employer_id));
diesel::joinable!(job_requirements -> jobs (job_id));
diesel::joinable!(job_requirements -> skills (skill_id));
diesel::joinable!(applications -> learners (learner_id));
diesel::joinable!(applications -> jobs (job_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    skills,
    skill_aliases,
    occupations,
    occupation_requirements,
    learners,
    learner_aspirations,
    learner_skills,
    microcredentials,
    microcredential_skills,
    microcredential_prerequisites,
    credentials,
    credential_skills,
    jobs,
    job_requirements,
    applications,
    outbox,
);
