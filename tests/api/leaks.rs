//! What the service must not leak: caches, secrets, files, hidden topics.
