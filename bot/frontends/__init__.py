"""Front ends over the engine: Telegram and the console."""
