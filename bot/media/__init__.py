"""Pictures customers send (widget, Telegram, WeChat) and agents send back: checked, thumbnailed, stored."""
