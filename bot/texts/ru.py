"""Русские тексты (HTML; подстановки экранирует bot.texts.t)."""

TEXTS = {
    "start": (
        "Привет, {name}! Я <b>DigiTeller</b>.\n"
        "Пришлите начало истории — я допишу её, озвучу, добавлю музыку и картинки "
        "и пришлю короткое видео.\n\n"
        "Попробуйте: <code>/story Дракон, который боялся темноты</code>"
    ),
    "help": (
        "<b>Что я умею</b>\n"
        "/story <i>идея</i> — видеосказка (по-русски или по-английски)\n"
        "/history — ваши недавние истории: прислать снова или сменить рассказчика\n"
        "/settings — рассказчик, язык, формат картинки, длина истории\n"
        "/help — эта справка"
    ),
    "ask_prompt": "О чём будет история? Пришлите одним сообщением идею, например "
    "<i>лиса, которая научилась летать</i>.",
    "prompt_bad": "Из этого не получится история: {hint}",
    "prompt_too_long": "Слишком длинная идея ({length} символов). Пожалуйста, не больше {limit}.",
    "choose_voice": "Кто расскажет «{prompt}»?",
    "no_voices": "Сейчас нет доступного голоса для этого языка. Попробуйте позже.",
    "queued": "⏳ «{title}» в очереди: место {position}{eta}.",
    "eta_about": ", примерно {eta}",
    "starting": "⚙️ Начинаю «{title}»…",
    "progress": "🎬 «{title}»\n{stage} {bar} {percent}%\n{detail}",
    "eta_left": "⏱ осталось примерно {eta}",
    "busy": "Сейчас я занят множеством историй. Попробуйте через несколько минут.",
    "user_limit": "У вас уже есть истории в работе. Дождитесь, пока одна будет готова.",
    "already_queued": "Уже делаю!",
    "cancel_button": "✖ Отменить",
    "cancelled": "✖ «{title}» отменена.",
    "cancel_late": "Отменять поздно: история уже готова.",
    "done_status": "✅ «{title}» готова.",
    "text_button": "📖 Текст истории",
    "revoice_button": "🎙 Другой рассказчик",
    "failed": "❌ «{title}»: не удался этап <b>{stage}</b>. {hint}\n"
    "Готовые этапы сохранены — нажмите «Повторить», "
    "чтобы продолжить.",
    "failed_generic": "Что-то пошло не так.",
    "timeout": "❌ «{title}» делалась слишком долго и остановлена на этапе <b>{stage}</b>.",
    "retry_button": "🔁 Повторить",
    "interrupted": "⚠️ Бот перезапустился, пока делалась «{title}», и продолжить не удалось. "
    "Нажмите «Повторить».",
    "resumed": "🔄 Бот перезапустился; продолжаю «{title}».",
    "too_large_document": "Видео слишком большое для просмотра в Telegram, поэтому присылаю его файлом.",
    "too_large_failed": "❌ Видео «{title}» слишком большое для отправки через Telegram.",
    "send_failed": "❌ Не получилось отправить видео «{title}». Попробуйте позже через /history.",
    "history_empty": "Историй пока нет. Попробуйте /story.",
    "history_header": "<b>Ваши недавние истории</b> (нажмите, чтобы получить снова):",
    "history_item": "{n}. {title} — {status}",
    "status_done": "готова",
    "status_failed": "ошибка",
    "status_cancelled": "отменена",
    "status_queued": "в очереди",
    "status_running": "делается",
    "not_ready": "Эта история ещё не готова.",
    "no_video": "У этой истории нет видео.",
    "not_yours": "Эта кнопка из чужого сообщения.",
    "stale_button": "Эта кнопка устарела.",
    "unknown_command": "Не знаю такой команды. Список команд — /help.",
    "plain_text_hint": "Чтобы получить историю, отправьте /story и идею, "
    "например <code>/story храбрый ёжик</code>.",
    "settings": (
        "<b>Настройки</b>\nЯзык: {language}\nРассказчик: {voice}\nКартинка: {aspect}\nДлина: {length}"
    ),
    "settings_language": "🌐 Язык",
    "settings_voice": "🎙 Рассказчик",
    "settings_aspect": "🖼 Картинка",
    "settings_length": "⏱ Длина",
    "settings_back": "⬅ Назад",
    "settings_saved": "Сохранено.",
    "choose_default_voice": "Рассказчик по умолчанию для историй на языке {language}:",
    "voice_auto": "автоматически",
    "length_short": "короткая (~45 с)",
    "length_medium": "средняя (~75 с)",
    "length_long": "длинная (~2 мин)",
    "lang_ru": "Русский",
    "lang_en": "English",
    "stats": (
        "<b>Статистика</b>\n"
        "Пользователей: {users}\nИсторий сегодня: {today}, всего: {total}\n"
        "Успешных: {success} ({done} из {finished} завершённых задач)\n"
        "Сбои по этапам: {failures}\n"
        "По этапам (среднее / p95, с):\n{stages}\n"
        "Очередь: выполняется {running}, ждут {waiting}"
    ),
    "queue_empty": "Очередь пуста.",
    "queue_header": "<b>Очередь</b> ({count}):",
    "queue_row": "{position}. задача {job} · пользователь {user} · {state}",
    "queue_workers": "<b>Исполнители</b> ({count}):",
    "queue_worker_row": "{worker} · {state}{job} · отклик {ago} с назад",
    "stage_text": "✍️ Пишу историю",
    "stage_speech": "🗣 Озвучиваю",
    "stage_music": "🎵 Сочиняю музыку",
    "stage_images": "🎨 Рисую картинки",
    "stage_upscale": "🔍 Улучшаю картинки",
    "stage_video": "🎞 Собираю видео",
    "minutes": "{n} мин",
    "seconds": "{n} с",
    "error_generic": "Извините, у меня что-то сломалось. Попробуйте ещё раз.",
}
