"""Pure domain logic of ses-feedback: no AWS SDK, no I/O."""
