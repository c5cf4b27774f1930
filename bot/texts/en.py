"""English user-facing text. Same keys as zh.py."""

TEXTS: dict[str, str] = {
    # --- start, help, menu ---
    "welcome": (
        "Hello, {name}! I help you learn your rights as a consumer.\n\n"
        "📝 /quiz play a round of questions, each with an explanation and its legal source\n"
        "📚 /topics play one topic\n"
        '💬 Ask me anything in your own words, e.g. "can I return something I bought online?"\n'
        "🏆 /score your results  /leaderboard top players\n\n"
        "In China, consumer complaints go to the 12315 hotline or the national 12315 platform."
    ),
    "help_intro": "How to use me:",
    "help_admins": "Group admins and organizers:",
    "help_organizers": "Organizers (in a private chat):",
    "help_outro_private": "Type a question and I will look for the answer in the FAQ.\nIn a group, admins can run a timed knowledge contest with /contest.",
    "help_outro_group": "Play alone, review and ask questions in a private chat with me.",
    "help_line": "/{name} — {text}",
    "answer_sep": "; ",
    "list_sep": ", ",
    "menu_quiz": "📝 Play",
    "menu_topics": "📚 Topics",
    "menu_score": "🏆 My score",
    "menu_leaderboard": "📊 Leaderboard",
    "menu_help": "❓ Help",
    "cmd_start": "Start and menu",
    "cmd_quiz": "Start a round (add a topic, e.g. /quiz scams)",
    "cmd_topics": "List the topics",
    "cmd_score": "Your points, accuracy and best streak",
    "cmd_leaderboard": "Top players (all time and this week)",
    "cmd_stop": "End the current round (in a group: the contest)",
    "cmd_lang": "Switch language / 切换语言",
    "cmd_timezone": "Set the group's time zone: /timezone Asia/Shanghai",
    "cmd_reload": "Reload the question banks",
    "cmd_stats": "How questions perform, and unanswered questions",
    "cmd_chart": "A contest's chart: /chart [contest id]",
    "cmd_help": "Help",
    # --- topics and quiz ---
    "topics_header": "Pick a topic (tap a button, or send /quiz followed by its name):",
    "topic_line": "{index}. {title} ({count} questions)",
    "no_topics": "There are no questions in the banks yet.",
    "topic_not_found": 'No topic called "{topic}". Send /topics to see them all.',
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
    "refused_not_yours": "That question is not yours.",
    "refused_round_over": "That round is over. Send /quiz for another.",
    "refused_gone": "That question no longer exists.",
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
    # --- contests (groups) ---
    "cmd_contest": "Start a contest: /contest [topic] [questions] [seconds]",
    "cmd_go": "Start the contest now",
    "cmd_pause": "Pause the contest",
    "cmd_resume": "Resume the contest",
    "cmd_skip": "Skip the current question",
    "cmd_myrank": "My contest rank",
    "cmd_results": "Download contest results (organizers)",
    "contest_usage": (
        "Usage: /contest [topic] [questions] [seconds] [poll] [negative] [at 20:00]\n"
        "e.g. /contest scams 10 20  or  /contest 15 30 poll at 20:00"
    ),
    "contest_bad_count": "The number of questions must be from 1 to {high}.",
    "contest_bad_seconds": "Seconds per question must be from {low} to {high}.",
    "contest_bad_time": 'I can\'t read the time "{time}"; write it like 20:00.',
    "contest_bad_lobby": "The waiting time must be from {low} to {high} seconds.",
    "contest_group_only": "Contests run in groups: add me to a group, and a group admin sends /contest.",
    "contest_admins_only": "Only group admins or organizers can do that.",
    "refused_busy": "This group already has a contest; end it with /stop first.",
    "refused_no_topic": "No such topic. Send me /topics in a private chat to see them.",
    "refused_no_questions": "That topic has no questions I can use.",
    "refused_no_contest": "There is no contest in this group now.",
    "refused_not_in_lobby": "The contest has already started.",
    "refused_already_paused": "The contest is already paused.",
    "refused_not_paused": "The contest is not paused.",
    "refused_not_running": "No question is open now.",
    "contest_no_typed": (
        "⚠️ I can't see ordinary messages in this group, so this contest has no typed questions. "
        "For typed questions, send /setprivacy to @BotFather, pick this bot and choose Disable, "
        "or make me a group admin."
    ),
    "contest_announce": "📣 Coming up: {title}\n{count} questions, {seconds} seconds each, starting at {time}.\nSee you there!",
    "contest_lobby": (
        "🏁 Knowledge contest: {title}\n"
        "{count} questions, {seconds} seconds each; fast right answers score more{negative}.\n"
        "Tap Join to play. Starting in {left} seconds (admins can send /go to start now).\n"
        "Joined: {players}"
    ),
    "contest_negative": ", wrong answers lose {penalty}",
    "contest_join": "🙋 Join",
    "contest_question": "Question {number}/{total} · ⏱ {seconds} s",
    "contest_count": "{answered} answered · about {left} s left",
    "contest_paused_mark": "⏸ Paused",
    "contest_typed_hint": "(type your answer in the group)",
    "contest_multi_hint": "(pick all that apply, then tap Submit)",
    "contest_reveal_header": "⏰ Time's up!",
    "contest_reveal_stats": "{answered} answered, {right} right",
    "contest_first_right": "First right: {names}",
    "contest_top": "🏆 Top five so far",
    "contest_top_line": "{rank}. {name} — {score}",
    "contest_podium": "🏁 The contest is over! {title}",
    "contest_podium_stopped": "🛑 An admin ended the contest. {title}",
    "contest_podium_line": "{medal} {name} — {score} points ({correct} right, {seconds} s)",
    "contest_podium_more": "{rank}. {name} — {score}",
    "contest_podium_empty": "Nobody answered this time.",
    "contest_podium_footer": "{players} played. Tap below to see your rank; organizers send me /results in a private chat for the results.",
    "contest_my_rank_button": "🏅 My rank",
    "contest_my_rank": "You are #{rank}: {score} points, {correct} right, {seconds} s",
    "contest_not_ranked": "You did not play in this contest.",
    "contest_paused": "⏸ The contest is paused; an admin sends /resume to go on.",
    "contest_pause_after": "⏸ Pausing after this question.",
    "contest_resumed": "▶️ The contest goes on!",
    "toast_recorded": "Answer recorded: {choice} ({seconds} s)",
    "toast_selected": "Selected: {letters}. Tap Submit when ready",
    "toast_joined": "You're in. Good luck!",
    "refused_already_joined": "You have already joined.",
    "refused_answered": "You have already answered this question.",
    "refused_late": "Time's up for this question.",
    "refused_stale": "That is an earlier question; answer the latest one.",
    "refused_paused": "The contest is paused.",
    "refused_contest_over": "That contest is over.",
    "refused_empty": "Pick at least one option first.",
    "results_none": "There are no contests you can see yet. Start one with /contest in a group you run.",
    "results_pick": "Pick a contest and I'll send its results (CSV):",
    "results_line": "#{id} {group} {date} ({players} players)",
    "results_caption": "Contest #{id} results: rank, user id, name, username, points, right, answered, total time (s)",
    "results_forbidden": "Only this group's admins or organizers can download its results.",
    "myrank_private_none": "You have not played in a contest lately.",
    "myrank_private_line": "#{id} {group}: #{rank}, {score} points",
    "timezone_set": "This group's time zone is now {timezone}.",
    "timezone_usage": "Usage: /timezone Asia/Shanghai (now: {timezone})",
    "timezone_bad": 'Unknown time zone "{timezone}"; write it like Asia/Shanghai.',
    # --- organizers ---
    "organizers_only": "This is for organizers: ask the operator to add your Telegram user id to QUIZBOT_ADMINS.",
    "upload_too_big": "The file is too big: a bank may be at most 1 MB.",
    "upload_wrong_type": "Send a bank as a .yaml, .yml, .csv or .xlsx file.",
    "upload_checking": "Got it, checking {name} …",
    "upload_errors": "❌ {name} has {count} problem(s) and was not installed (the current banks keep serving):",
    "upload_more_errors": "… and {count} more.",
    "upload_installed": (
        "✅ Bank {bank} installed: {questions} questions, {faq} FAQ entries.\n"
        "{added} added, {changed} changed, {removed} removed. {history}\nReloaded: it serves now."
    ),
    "upload_history": "The previous version is kept in the history folder.",
    "reload_done": "🔄 Reloaded: {files} file(s), {questions} questions, {faq} FAQ entries.",
    "reload_errors": "⚠️ {count} file(s) have problems; their previous version (if any) keeps serving:",
    "stats_header": "📊 How questions perform (flags need at least {min} answers)",
    "stats_bank": "{title}: {attempts} answers, {share} right",
    "stats_flag_too_easy": "too easy",
    "stats_flag_too_hard": "too hard",
    "stats_flag_misleading": "a wrong option beats the right one",
    "stats_question": "• {id} ({flags}): {attempts} answers, {share} right, {seconds} s on average",
    "stats_no_answers": "Nobody has answered a question yet.",
    "stats_faq": "💬 FAQ: {answered} answered, {suggested} suggested, {unanswered} unanswered",
    "stats_unanswered": "Most asked unanswered questions:",
    "stats_unanswered_line": "{count}× {text}",
    "stats_caption": "Every question's figures (CSV)",
    "chart_caption": "Contest #{id}: share of right answers per question (Q1, Q2 … in order) and the spread of scores.",
    "chart_none": "No such contest. Usage: /chart CONTEST_ID",
    "flood_notice": "You're sending messages very fast; I'll take a break and answer again in about two minutes.",
    "upload_cannot_write": "The bank was not installed: the folder {folder} cannot be written. Ask the operator to set QUIZBOT_QUESTIONS_DIR to a writable folder.",
    # --- learning ---
    "cmd_review": "Review the questions you missed (spaced)",
    "cmd_daily": "Question of the day",
    "cmd_progress": "Your progress per topic",
    "cmd_subscribe": "Daily question: /subscribe 08:00",
    "review_header": "📒 Review",
    "review_none_missed": "You have not missed any question yet, so there is nothing to review. Try /quiz!",
    "review_next": "Nothing to review right now. The next question is due {when}.",
    "daily_header": "📅 Question of the day · {date}",
    "daily_done": "You have answered today's question; come back tomorrow!",
    "daily_none": "The banks have no question that can be a question of the day.",
    "refused_daily_over": "That was an earlier question of the day. Send /daily for today's.",
    "refused_daily_done": "You have answered today's question; come back tomorrow!",
    "subscribe_usage": "Usage: /subscribe 08:00 (Beijing time by default, or add a time zone: /subscribe 20:30 Europe/London); /subscribe off to stop.",
    "subscribe_done": "Done: the question of the day comes here every day at {time} ({timezone}). Send /subscribe off to stop.",
    "subscribe_off": "The daily question is off.",
    "subscribe_none": "There is no daily question subscription here.",
    "progress_header": "📈 Your progress",
    "progress_line": "{index}. {title}: {seen}/{total} questions seen, {share} right",
    "progress_boxes": "   review boxes 1-5: {boxes}; learnt {learnt}",
    "progress_empty": "You have not answered any question yet. Send /quiz or /daily to start!",
    "progress_caption": "Share right per topic (T1, T2 … as numbered in the list)",
    "progress_achievements": "🏅 Achievements: {names}",
    "achievement_announce": "🏅 New achievement: {title}\n{meaning}",
    "achievement_first_right_title": "First right answer",
    "achievement_first_right_meaning": "Your first right answer! Every question rests on a law: after answering, look at which article.",
    "achievement_nine_rights_title": "The nine rights",
    "achievement_nine_rights_meaning": "You answered 9 questions on consumers' rights right. China's Consumer Rights Protection Law (Arts. 7-15) lists nine: safety, information, choice, fair dealing, compensation, association, education, respect and personal information, and supervision.",
    "achievement_streak_10_title": "Ten in a row",
    "achievement_streak_10_meaning": "Ten right answers in a row! In a dispute you can negotiate, ask for mediation, complain, go to arbitration or to court.",
    "achievement_reviewer_title": "Learnt by reviewing",
    "achievement_reviewer_meaning": "A question you once missed, answered right twice in review: it moved up to box 3. Spaced review makes things stick.",
    "achievement_daily_10_title": "Ten days in a row",
    "achievement_daily_10_meaning": "Ten days of daily questions in a row! A little every day keeps your rights at hand.",
    # --- language ---
    "lang_usage": "Language: English. Send /lang zh for Chinese, /lang en for English.",
    "lang_set": "Switched to English.",
    # --- console ---
    "console_intro": (
        "Consumer-rights quiz (console mode).\n"
        "Type /quiz to play, /topics for topics, /review to review, /daily for the question "
        "of the day, /progress for your progress, /score for your score, /help for help, "
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
    # --- issue 18: what a person notices (topics by language, charts, stats) ---
    "topics_other_header": "Topics in other languages:",
    "chart_share_title": "Contest {title}: share of right answers per question",
    "chart_scores_title": "Players by score: how many in each band",
    "progress_chart_title": "Share of right answers per topic",
}
