"""DigiTeller's Telegram front (aiogram 3): knows users, chats and buttons, never models."""
