"""Everything that talks to AWS. Maps AWS errors to domain errors."""
