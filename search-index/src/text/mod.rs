//! Text to skills: normalisation of free text and extraction of skills from prose.
