"""English texts (HTML; placeholders are escaped by bot.texts.t)."""

TEXTS = {
    "start": (
        "Hello, {name}! I am <b>DigiTeller</b>.\n"
        "Send me the beginning of a story and I will write it, narrate it, add music and pictures "
        "and send you a short video.\n\n"
        "Try: <code>/story A dragon who was afraid of the dark</code>"
    ),
    "help": (
        "<b>What I can do</b>\n"
        "/story <i>prompt</i> — make a video story (Russian or English)\n"
        "/history — your recent stories: send again or change the narrator\n"
        "/settings — narrator, language, picture shape, story length\n"
        "/help — this message"
    ),
    "ask_prompt": "What should the story be about? Send one message with the idea, e.g. "
    "<i>a fox who learned to fly</i>.",
    "prompt_bad": "I can't make a story from that: {hint}",
    "prompt_too_long": "That prompt is too long ({length} characters). Please keep it under {limit}.",
    "choose_voice": "Who should narrate “{prompt}”?",
    "no_voices": "No narrator voice is available for this language right now. Please try later.",
    "queued": "⏳ “{title}” is in the queue: position {position}{eta}.",
    "eta_about": ", about {eta}",
    "starting": "⚙️ Starting “{title}”…",
    "progress": "🎬 “{title}”\n{stage} {bar} {percent}%\n{detail}",
    "eta_left": "⏱ about {eta} left",
    "busy": "I'm busy with many stories right now. Please try again in a few minutes.",
    "user_limit": "You already have stories in progress. Please wait until one is ready.",
    "already_queued": "Already on it!",
    "cancel_button": "✖ Cancel",
    "cancelled": "✖ “{title}” was cancelled.",
    "cancel_late": "Too late to cancel: this story is finished.",
    "done_status": "✅ “{title}” is ready.",
    "text_button": "📖 Story text",
    "revoice_button": "🎙 Another narrator",
    "failed": "❌ “{title}”: the <b>{stage}</b> stage failed. {hint}\nFinished stages are kept — tap Retry "
    "to "
    "continue.",
    "failed_generic": "Something went wrong.",
    "timeout": "❌ “{title}” took too long and was stopped at the <b>{stage}</b> stage.",
    "retry_button": "🔁 Retry",
    "interrupted": "⚠️ The bot restarted while “{title}” was in progress and could not continue it. "
    "Tap Retry to "
    "try again.",
    "resumed": "🔄 The bot restarted; continuing “{title}”.",
    "too_large_document": "The video is too large to play in Telegram, so here it is as a file.",
    "too_large_failed": "❌ The video of “{title}” is too large to send through Telegram.",
    "send_failed": "❌ I could not send the video of “{title}”. Use /history to try again later.",
    "history_empty": "You have no stories yet. Try /story.",
    "history_header": "<b>Your recent stories</b> (tap to get one again):",
    "history_item": "{n}. {title} — {status}",
    "status_done": "ready",
    "status_failed": "failed",
    "status_cancelled": "cancelled",
    "status_queued": "waiting",
    "status_running": "in progress",
    "not_ready": "This story is not ready yet.",
    "no_video": "This story has no video to send.",
    "not_yours": "This button belongs to someone else's message.",
    "stale_button": "This button is out of date.",
    "unknown_command": "I don't know that command. /help lists what I can do.",
    "plain_text_hint": "To make a story, send /story followed by your idea, "
    "e.g. <code>/story a brave hedgehog</code>.",
    "settings": (
        "<b>Settings</b>\nLanguage: {language}\nNarrator: {voice}\nPicture: {aspect}\nLength: {length}"
    ),
    "settings_language": "🌐 Language",
    "settings_voice": "🎙 Narrator",
    "settings_aspect": "🖼 Picture",
    "settings_length": "⏱ Length",
    "settings_back": "⬅ Back",
    "settings_saved": "Saved.",
    "choose_default_voice": "Default narrator for {language} stories:",
    "voice_auto": "automatic",
    "length_short": "short (~45 s)",
    "length_medium": "medium (~75 s)",
    "length_long": "long (~2 min)",
    "lang_ru": "Русский",
    "lang_en": "English",
    "stats": (
        "<b>Statistics</b>\n"
        "Users: {users}\nStories today: {today}, total: {total}\n"
        "Success rate: {success} ({done} of {finished} finished jobs)\n"
        "Failures by stage: {failures}\n"
        "Per stage (avg / p95, s):\n{stages}\n"
        "Queue: {running} running, {waiting} waiting"
    ),
    "queue_empty": "The queue is empty.",
    "queue_header": "<b>Queue</b> ({count}):",
    "queue_row": "{position}. job {job} · user {user} · {state}",
    "queue_workers": "<b>Workers</b> ({count}):",
    "queue_worker_row": "{worker} · {state}{job} · heartbeat {ago} s ago",
    "stage_text": "✍️ Writing the story",
    "stage_speech": "🗣 Narrating",
    "stage_music": "🎵 Composing music",
    "stage_images": "🎨 Drawing pictures",
    "stage_upscale": "🔍 Sharpening pictures",
    "stage_video": "🎞 Assembling the video",
    "minutes": "{n} min",
    "seconds": "{n} s",
    "error_generic": "Sorry, something went wrong on my side. Please try again.",
}
