//! Learning pathways: the exact optimiser over microcredentials with prerequisites.
