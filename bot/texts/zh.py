"""中文界面文字。键与 en.py 一一对应。"""

TEXTS: dict[str, str] = {
    # --- start, help, menu ---
    "welcome": (
        "你好，{name}！我是消费维权知识小助手。\n\n"
        "📝 /quiz 答题闯关，每题都有解析和法律依据\n"
        "📚 /topics 按专题答题\n"
        "💬 直接发问题给我，比如“网上买的衣服不喜欢能退吗”\n"
        "🏆 /score 我的成绩　/leaderboard 排行榜\n\n"
        "遇到消费纠纷，可拨打 12315 或登录全国12315平台投诉。"
    ),
    "help": (
        "可以这样用我：\n"
        "/quiz [专题] — 开始一轮答题（例如 /quiz 征信）\n"
        "/topics — 查看全部专题\n"
        "/stop — 结束本轮答题\n"
        "/score — 我的总分、正确率和最长连对\n"
        "/leaderboard — 排行榜（总榜和本周）\n"
        "/lang — 切换语言 / switch language\n"
        "/help — 本帮助\n\n"
        "直接输入问题，我会从常见问题里找答案。\n"
        "在群里，管理员可以用 /contest 发起限时知识竞赛。"
    ),
    "menu_quiz": "📝 开始答题",
    "menu_topics": "📚 专题",
    "menu_score": "🏆 我的成绩",
    "menu_leaderboard": "📊 排行榜",
    "menu_help": "❓ 帮助",
    "cmd_start": "开始和菜单",
    "cmd_quiz": "开始一轮答题",
    "cmd_topics": "按专题答题",
    "cmd_score": "我的成绩",
    "cmd_leaderboard": "排行榜",
    "cmd_stop": "结束本轮答题",
    "cmd_lang": "切换语言",
    "cmd_help": "帮助",
    # --- topics and quiz ---
    "topics_header": "选择一个专题（点按钮，或发送 /quiz 专题名）：",
    "topic_line": "{index}. {title}（{count} 题）",
    "no_topics": "题库里还没有题目。",
    "topic_not_found": "没有找到专题“{topic}”。发送 /topics 查看全部专题。",
    "quiz_private_only": "单人答题请私聊我进行；群管理员可以用 /contest 发起群竞赛。",
    "question_header": "第 {number}/{total} 题 · {kind} · {stars}",
    "kind_single": "单选",
    "kind_multiple": "多选",
    "kind_truefalse": "判断",
    "kind_open": "填空",
    "true": "对",
    "false": "错",
    "pick_many_hint": "（可多选，选好后点“提交”）",
    "open_hint": "（请直接输入答案）",
    "open_hint_console": "（请输入答案）",
    "submit": "✅ 提交",
    "submit_empty": "请至少选一项再提交",
    "selected": "已选：{letters}",
    "right": "✅ 回答正确！+{points} 分",
    "wrong": "❌ 回答错误。",
    "right_answer": "正确答案：{answer}",
    "your_answer": "你的答案：{answer}",
    "explanation": "💡 {text}",
    "source": "⚖️ 依据：{text}",
    "round_over": "🎉 本轮结束！答对 {correct}/{total} 题，得 {points} 分。\n再来一轮：/quiz　我的成绩：/score",
    "round_stopped": "已结束本轮：答对 {correct}/{total} 题，得 {points} 分。",
    "no_round": "你现在没有进行中的答题。发送 /quiz 开始。",
    "rejected_not_yours": "这不是你的题目哦。",
    "rejected_stale": "这道题已经答过了。",
    "rejected_finished": "这一轮已经结束了。发送 /quiz 再来一轮。",
    "rejected_unknown": "这道题已经不存在了。",
    "answer_recorded": "已记录",
    # --- scores ---
    "score_card": (
        "🏆 我的成绩\n"
        "答题 {answered} 道，答对 {correct} 道（正确率 {accuracy}）\n"
        "总分 {points}，最长连对 {best_streak}，当前连对 {streak}\n"
        "{rank}"
    ),
    "score_rank": "总排名：第 {rank} 名",
    "score_empty": "你还没有答过题。发送 /quiz 开始吧！",
    "leaderboard_all": "🏆 总排行榜",
    "leaderboard_all_group": "🏆 本群总排行榜",
    "leaderboard_week": "📅 本周排行榜",
    "leaderboard_line": "{rank}. {name} — {points} 分",
    "leaderboard_empty": "（暂无）",
    # --- FAQ ---
    "faq_answer": "{answer}\n\n⚖️ 依据：{source}",
    "faq_suggest": "我不太确定你问的是哪个问题，是下面这些吗？",
    "faq_none": (
        "抱歉，这个问题我还回答不了，已经记下来交给工作人员补充。\n"
        "遇到消费纠纷，可以拨打 12315 或登录全国12315平台投诉；"
        "怀疑遇到诈骗，请拨打 110 报警。"
    ),
    "faq_gone": "这个问题的答案已经更新了，请重新提问。",
    # --- language ---
    "lang_usage": "当前语言：中文。发送 /lang en 切换为英文，/lang zh 切换为中文。",
    "lang_set": "已切换为中文。",
    # --- console ---
    "console_intro": (
        "消费维权知识小助手（控制台模式）。\n"
        "输入 /quiz 答题，/topics 看专题，/score 看成绩，/help 看帮助，/quit 退出；"
        "其他文字当作问题来回答。"
    ),
    "console_pick": "请输入选项编号（多选用逗号分隔，如 1,3）：",
    "console_bad_pick": "请输入 1 到 {count} 之间的编号。",
    "console_suggestion": "  [{index}] {question}",
    "console_suggest_hint": "输入 ?编号 查看答案，例如 ?1",
    "console_bye": "再见！",
    "no_token": (
        "没有设置 TELEGRAM_BOT_TOKEN，先以控制台模式运行。\n"
        "要接入 Telegram：在 Telegram 里找 @BotFather，发送 /newbot 创建机器人，"
        "把得到的 token 设为环境变量 TELEGRAM_BOT_TOKEN 后重新运行。"
    ),
}
