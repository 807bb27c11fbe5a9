//! The talent marketplace server.
