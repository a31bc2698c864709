//! Concurrent edits that race for the same limit, name or tree.
