"""What every part of the zone shares and none owns: the configuration (core.config)."""
