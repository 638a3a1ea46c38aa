"""pytest plugin (placeholder until the scenario suite lands)."""
