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
    "help_intro": "可以这样用我：",
    "help_admins": "群管理员和组织者：",
    "help_organizers": "组织者（私聊）：",
    "help_outro_private": "直接输入问题，我会从常见问题里找答案。\n在群里，管理员可以用 /contest 发起限时知识竞赛。",
    "help_outro_group": "单人答题、复习和提问请私聊我。",
    "help_line": "/{name} — {text}",
    "answer_sep": "；",
    "list_sep": "、",
    "menu_quiz": "📝 开始答题",
    "menu_topics": "📚 专题",
    "menu_score": "🏆 我的成绩",
    "menu_leaderboard": "📊 排行榜",
    "menu_help": "❓ 帮助",
    "cmd_start": "开始和菜单",
    "cmd_quiz": "开始一轮答题（可加专题，如 /quiz 征信）",
    "cmd_topics": "查看全部专题",
    "cmd_score": "我的总分、正确率和最长连对",
    "cmd_leaderboard": "排行榜（总榜和本周）",
    "cmd_stop": "结束本轮答题（群里：结束竞赛）",
    "cmd_lang": "切换语言 / switch language",
    "cmd_timezone": "设置本群时区：/timezone Asia/Shanghai",
    "cmd_reload": "重新加载题库",
    "cmd_stats": "题目表现和未回答的问题",
    "cmd_chart": "竞赛图表：/chart [竞赛编号]",
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
    "refused_not_yours": "这不是你的题目哦。",
    "refused_round_over": "这一轮已经结束了。发送 /quiz 再来一轮。",
    "refused_gone": "这道题已经不存在了。",
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
    # --- contests (groups) ---
    "cmd_contest": "发起竞赛：/contest [专题] [题数] [每题秒数]",
    "cmd_go": "立即开始竞赛",
    "cmd_pause": "暂停竞赛",
    "cmd_resume": "继续竞赛",
    "cmd_skip": "跳过当前题",
    "cmd_myrank": "我的竞赛排名",
    "cmd_results": "下载竞赛成绩（组织者）",
    "contest_usage": (
        "用法：/contest [专题] [题数] [每题秒数] [poll] [扣分] [at 20:00]\n"
        "例如：/contest 征信 10 20　或　/contest 15 30 poll at 20:00"
    ),
    "contest_bad_count": "题数应在 1 到 {high} 之间。",
    "contest_bad_seconds": "每题时间应在 {low} 到 {high} 秒之间。",
    "contest_bad_time": "时间“{time}”看不懂，请写成 20:00 这样。",
    "contest_bad_lobby": "等待时间应在 {low} 到 {high} 秒之间。",
    "contest_group_only": "竞赛要在群里发起：把我拉进群，再由群管理员发送 /contest。",
    "contest_admins_only": "只有群管理员或组织者可以这样做哦。",
    "refused_busy": "本群已经有一场竞赛了，先用 /stop 结束它。",
    "refused_no_topic": "没有找到这个专题。私聊我发送 /topics 查看全部专题。",
    "refused_no_questions": "这个专题没有可用的题目。",
    "refused_no_contest": "本群现在没有竞赛。",
    "refused_not_in_lobby": "竞赛已经开始了。",
    "refused_already_paused": "竞赛已经暂停了。",
    "refused_not_paused": "竞赛没有暂停。",
    "refused_not_running": "现在没有进行中的题目。",
    "contest_no_typed": (
        "⚠️ 我在群里看不到普通消息，所以这场竞赛不出填空题。"
        "想要填空题：在 @BotFather 发送 /setprivacy 选择本机器人并设为 Disable，"
        "或者把我设为群管理员。"
    ),
    "contest_announce": "📣 竞赛预告：{title}\n{count} 道题，每题 {seconds} 秒，将于 {time} 开始。\n到时见！",
    "contest_lobby": (
        "🏁 知识竞赛：{title}\n"
        "{count} 道题，每题 {seconds} 秒，答得又快又对得分越高{negative}。\n"
        "点“报名参加”加入，{left} 秒后开始（管理员可发送 /go 立即开始）。\n"
        "已报名：{players} 人"
    ),
    "contest_negative": "，答错扣 {penalty} 分",
    "contest_join": "🙋 报名参加",
    "contest_question": "第 {number}/{total} 题 · ⏱ {seconds} 秒",
    "contest_count": "已有 {answered} 人作答 · 剩余约 {left} 秒",
    "contest_paused_mark": "⏸ 已暂停",
    "contest_typed_hint": "（直接在群里发送答案）",
    "contest_multi_hint": "（可多选：点选项勾选，再点“提交”）",
    "contest_reveal_header": "⏰ 时间到！",
    "contest_reveal_stats": "作答 {answered} 人，答对 {right} 人",
    "contest_first_right": "最先答对：{names}",
    "contest_top": "🏆 当前前五名",
    "contest_top_line": "{rank}. {name} — {score} 分",
    "contest_podium": "🏁 竞赛结束！{title}",
    "contest_podium_stopped": "🛑 竞赛已被管理员结束。{title}",
    "contest_podium_line": "{medal} {name} — {score} 分（答对 {correct} 题，用时 {seconds} 秒）",
    "contest_podium_more": "{rank}. {name} — {score} 分",
    "contest_podium_empty": "这次没有人作答。",
    "contest_podium_footer": "共 {players} 人参加。点下面的按钮看自己的排名；组织者私聊我发送 /results 下载成绩。",
    "contest_my_rank_button": "🏅 我的排名",
    "contest_my_rank": "你是第 {rank} 名：{score} 分，答对 {correct} 题，用时 {seconds} 秒",
    "contest_not_ranked": "你没有参加这场竞赛。",
    "contest_paused": "⏸ 竞赛已暂停，管理员发送 /resume 继续。",
    "contest_pause_after": "⏸ 本题结束后暂停。",
    "contest_resumed": "▶️ 竞赛继续！",
    "toast_recorded": "已记录你的答案：{choice}（{seconds} 秒）",
    "toast_selected": "已选：{letters}　选好后点“提交”",
    "toast_joined": "报名成功，祝你好运！",
    "refused_already_joined": "你已经报名了。",
    "refused_answered": "你已经答过这题了。",
    "refused_late": "时间到，本题已截止。",
    "refused_stale": "这是之前的题目，请回答最新的一题。",
    "refused_paused": "竞赛已暂停。",
    "refused_contest_over": "这场竞赛已经结束了。",
    "refused_empty": "请先勾选选项再提交。",
    "results_none": "还没有你能查看的竞赛。在你管理的群里用 /contest 发起一场吧。",
    "results_pick": "选择一场竞赛，我把成绩表（CSV）发给你：",
    "results_line": "#{id} {group} {date}（{players} 人）",
    "results_caption": "竞赛 #{id} 成绩：排名、用户ID、姓名、用户名、得分、答对题数、作答题数、总用时（秒）",
    "results_forbidden": "只有这个群的管理员或组织者可以下载成绩。",
    "myrank_private_none": "你最近没有参加竞赛。",
    "myrank_private_line": "#{id} {group}：第 {rank} 名，{score} 分",
    "timezone_set": "本群时区已设为 {timezone}。",
    "timezone_usage": "用法：/timezone Asia/Shanghai（当前：{timezone}）",
    "timezone_bad": "不认识时区“{timezone}”，请写成 Asia/Shanghai 这样。",
    # --- organizers ---
    "organizers_only": "这是组织者的功能：请让管理员把你的 Telegram 用户ID加入 QUIZBOT_ADMINS。",
    "upload_too_big": "文件太大了：题库文件最大 1 MB。",
    "upload_wrong_type": "只能上传 .yaml、.yml、.csv 或 .xlsx 格式的题库文件。",
    "upload_checking": "收到，正在检查 {name} ……",
    "upload_errors": "❌ {name} 有 {count} 处问题，没有安装（原题库照常使用）：",
    "upload_more_errors": "……还有 {count} 处问题。",
    "upload_installed": (
        "✅ 已安装题库 {bank}：{questions} 道题，{faq} 条问答。\n"
        "新增 {added}，修改 {changed}，删除 {removed}。{history}\n已重新加载，立即生效。"
    ),
    "upload_history": "旧版本已存入历史。",
    "reload_done": "🔄 已重新加载：{files} 个文件，{questions} 道题，{faq} 条问答。",
    "reload_errors": "⚠️ {count} 个文件有问题，仍在使用旧版本或未加载：",
    "stats_header": "📊 题目表现（至少 {min} 人作答才标记）",
    "stats_bank": "{title}：作答 {attempts} 次，正确率 {share}",
    "stats_flag_too_easy": "太简单",
    "stats_flag_too_hard": "太难",
    "stats_flag_misleading": "干扰项比正确答案更受欢迎",
    "stats_question": "• {id}（{flags}）：{attempts} 次，正确率 {share}，平均 {seconds} 秒",
    "stats_no_answers": "还没有人答过题。",
    "stats_faq": "💬 问答：直接回答 {answered}，给出建议 {suggested}，无法回答 {unanswered}",
    "stats_unanswered": "最常见的未回答问题：",
    "stats_unanswered_line": "{count}× {text}",
    "stats_caption": "每道题的完整数据（CSV）",
    "chart_caption": "竞赛 #{id}：每题正确率（Q1、Q2…为题目顺序）和得分分布。",
    "chart_none": "没有找到这场竞赛。用法：/chart 竞赛编号",
    "flood_notice": "你发得太快啦，我先歇一会儿，大约两分钟后再回复你。",
    "upload_cannot_write": "题库没有装上：无法写入题库文件夹 {folder}。请运维人员把 QUIZBOT_QUESTIONS_DIR 设为可写的文件夹。",
    # --- learning ---
    "cmd_review": "复习答错的题（间隔复习）",
    "cmd_daily": "每日一题",
    "cmd_progress": "各专题的学习进度",
    "cmd_subscribe": "订阅每日一题：/subscribe 08:00",
    "review_header": "📒 复习",
    "review_none_missed": "你还没有答错过题，没有需要复习的。继续 /quiz 吧！",
    "review_next": "现在没有到期的复习题。下一道在 {when} 到期。",
    "daily_header": "📅 每日一题 · {date}",
    "daily_done": "今天的每日一题你已经答过了，明天再来！",
    "daily_none": "题库里还没有可以做每日一题的题目。",
    "refused_daily_over": "这是之前的每日一题，已经结束了。发送 /daily 看今天的。",
    "refused_daily_done": "今天的每日一题你已经答过了，明天再来！",
    "subscribe_usage": "用法：/subscribe 08:00（默认北京时间，也可以写时区，如 /subscribe 20:30 Asia/Hong_Kong）；/subscribe off 取消。",
    "subscribe_done": "好的，每天 {time}（{timezone}）发每日一题到这里。发送 /subscribe off 取消。",
    "subscribe_off": "已取消每日一题推送。",
    "subscribe_none": "这里还没有订阅每日一题。",
    "progress_header": "📈 我的学习进度",
    "progress_line": "{index}. {title}：见过 {seen}/{total} 题，正确率 {share}",
    "progress_boxes": "   复习盒 1-5：{boxes}；已掌握 {learnt} 题",
    "progress_empty": "你还没有答过题。发送 /quiz 或 /daily 开始吧！",
    "progress_caption": "各专题正确率（T1、T2…与文字列表的编号对应）",
    "progress_achievements": "🏅 成就：{names}",
    "achievement_announce": "🏅 新成就：{title}\n{meaning}",
    "achievement_first_right_title": "初露锋芒",
    "achievement_first_right_meaning": "第一次答对！每道题都有法律依据，答完别忘了看一眼依据写在哪一条。",
    "achievement_nine_rights_title": "九项权利全掌握",
    "achievement_nine_rights_meaning": "你答对了 9 道关于消费者权利的题。《消费者权益保护法》第七条至第十五条规定了九项权利：安全保障、知情、自主选择、公平交易、依法求偿、结社、获得知识、受尊重及个人信息受保护、监督。",
    "achievement_streak_10_title": "十连对",
    "achievement_streak_10_meaning": "连续答对 10 题！把知识用起来：遇到纠纷，可以协商、调解、投诉、仲裁或诉讼。",
    "achievement_reviewer_title": "温故知新",
    "achievement_reviewer_meaning": "一道答错过的题，你在复习中连续答对了两次，它升到了第 3 个复习盒。间隔复习让记忆更牢。",
    "achievement_daily_10_title": "每日一题十连签",
    "achievement_daily_10_meaning": "连续 10 天做了每日一题！每天一点点，维权知识就在手边。",
    # --- language ---
    "lang_usage": "当前语言：中文。发送 /lang en 切换为英文，/lang zh 切换为中文。",
    "lang_set": "已切换为中文。",
    # --- console ---
    "console_intro": (
        "消费维权知识小助手（控制台模式）。\n"
        "输入 /quiz 答题，/topics 看专题，/review 复习，/daily 每日一题，/progress 学习进度，"
        "/score 看成绩，/help 看帮助，/quit 退出；"
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
    # --- issue 18: what a person notices (topics by language, charts, stats) ---
    "topics_other_header": "其他语言的专题：",
    "chart_share_title": "竞赛 {title}：每题正确率",
    "chart_scores_title": "得分分布：各得分段的人数",
    "progress_chart_title": "各专题正确率",
}
