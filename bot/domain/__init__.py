"""Pure domain logic: no Telegram, no database, no YAML. Time is passed in."""
