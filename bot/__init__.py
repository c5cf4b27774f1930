"""quizbot: a consumer-rights quiz, contest and FAQ bot for Telegram and the console."""

__version__ = "0.1.0"
