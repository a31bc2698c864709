//! Hostile requests: each is refused cleanly and the service stays up.
