"""English user-facing text. Same keys as zh.py."""

TEXTS: dict[str, str] = {
    # --- start, help, menu ---
    "welcome": (
        "Hello, {name}! I help you learn your rights as a consumer.\n\n"
        "📝 /quiz play a round of questions, each with an explanation and its legal source\n"
        "📚 /topics play one topic\n"
        "💬 Ask me anything in your own words, e.g. \"can I return something I bought online?\"\n"
        "🏆 /score your results  /leaderboard top players\n\n"
        "In China, consumer complaints go to the 12315 hotline or the national 12315 platform."
    ),
    "help": (
        "How to use me:\n"
        "/quiz [topic] — start a round (e.g. /quiz scams)\n"
        "/topics — list the topics\n"
        "/stop — end the current round\n"
        "/score — your points, accuracy and best streak\n"
        "/leaderboard — top players (all time and this week)\n"
        "/lang — switch language / 切换语言\n"
        "/help — this help\n\n"
        "Type a question and I will look for the answer in the FAQ.\n"
        "In a group, admins can run a timed knowledge contest with /contest."
    ),
    "menu_quiz": "📝 Play",
    "menu_topics": "📚 Topics",
    "menu_score": "🏆 My score",
    "menu_leaderboard": "📊 Leaderboard",
    "menu_help": "❓ Help",
    "cmd_start": "Start and menu",
    "cmd_quiz": "Play a round of questions",
    "cmd_topics": "Play one topic",
    "cmd_score": "My score",
    "cmd_leaderboard": "Top players",
    "cmd_stop": "End the current round",
    "cmd_lang": "Switch language",
    "cmd_help": "Help",
    # --- topics and quiz ---
    "topics_header": "Pick a topic (tap a button, or send /quiz followed by its name):",
    "topic_line": "{index}. {title} ({count} questions)",
    "no_topics": "There are no questions in the banks yet.",
    "topic_not_found": "No topic called \"{topic}\". Send /topics to see them all.",
    "quiz_private_only": "Solo rounds are played in a private chat with me; "
    "group admins can start a contest with /contest.",
    "question_header": "Question {number}/{total} · {kind} · {stars}",
    "kind_single": "single choice",
    "kind_multiple": "multiple choice",
    "kind_truefalse": "true or false",
    "kind_open": "type the answer",
    "true": "True",
    "false": "False",
    "pick_many_hint": "(pick all that apply, then tap Submit)",
    "open_hint": "(type your answer)",
    "open_hint_console": "(type your answer)",
    "submit": "✅ Submit",
    "submit_empty": "Pick at least one option first",
    "selected": "Selected: {letters}",
    "right": "✅ Right! +{points} points",
    "wrong": "❌ Not quite.",
    "right_answer": "Right answer: {answer}",
    "your_answer": "Your answer: {answer}",
    "explanation": "💡 {text}",
    "source": "⚖️ Source: {text}",
    "round_over": "🎉 Round over! {correct}/{total} right, {points} points.\n"
    "Another round: /quiz  Your score: /score",
    "round_stopped": "Round ended: {correct}/{total} right, {points} points.",
    "no_round": "You are not in a round. Send /quiz to start one.",
    "rejected_not_yours": "That question is not yours.",
    "rejected_stale": "That question has already been answered.",
    "rejected_finished": "That round is over. Send /quiz for another.",
    "rejected_unknown": "That question no longer exists.",
    "answer_recorded": "Recorded",
    # --- scores ---
    "score_card": (
        "🏆 Your score\n"
        "{answered} answered, {correct} right ({accuracy})\n"
        "{points} points, best streak {best_streak}, current streak {streak}\n"
        "{rank}"
    ),
    "score_rank": "Overall rank: #{rank}",
    "score_empty": "You have not answered any questions yet. Send /quiz to start!",
    "leaderboard_all": "🏆 All-time leaderboard",
    "leaderboard_all_group": "🏆 This group's all-time leaderboard",
    "leaderboard_week": "📅 This week",
    "leaderboard_line": "{rank}. {name} — {points} points",
    "leaderboard_empty": "(nobody yet)",
    # --- FAQ ---
    "faq_answer": "{answer}\n\n⚖️ Source: {source}",
    "faq_suggest": "I'm not sure which question you mean. Is it one of these?",
    "faq_none": (
        "Sorry, I can't answer that yet; I've noted it for the team.\n"
        "In China, consumer complaints go to the 12315 hotline or the national 12315 "
        "platform; if you suspect fraud, call the police on 110."
    ),
    "faq_gone": "That answer has been updated; please ask again.",
    # --- language ---
    "lang_usage": "Language: English. Send /lang zh for Chinese, /lang en for English.",
    "lang_set": "Switched to English.",
    # --- console ---
    "console_intro": (
        "Consumer-rights quiz (console mode).\n"
        "Type /quiz to play, /topics for topics, /score for your score, /help for help, "
        "/quit to leave; anything else is asked of the FAQ."
    ),
    "console_pick": "Type the option number (several separated by commas, e.g. 1,3):",
    "console_bad_pick": "Type numbers from 1 to {count}.",
    "console_suggestion": "  [{index}] {question}",
    "console_suggest_hint": "Type ?number to see an answer, e.g. ?1",
    "console_bye": "Bye!",
    "no_token": (
        "TELEGRAM_BOT_TOKEN is not set, so this is the console.\n"
        "To run on Telegram: talk to @BotFather in Telegram, send /newbot, and set the token "
        "it gives you as the environment variable TELEGRAM_BOT_TOKEN, then run again."
    ),
}
