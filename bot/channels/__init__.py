"""Customer channels (REST, widget, WeChat, Telegram) and what they share; loaded by the Rasa server."""
