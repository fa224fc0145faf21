"""Lambda entry points: unwrap the envelope, call the domain, shape the response."""
