"""The conversation core: what every channel, the hand-off, the console and the actions share.

Settings, conversation identity, the `Delivery` registry and the channel adapter live here. This package
imports none of `bot.channels`, `bot.handoff`, `bot.console` or `bot.actions` (checked by import-linter).
"""
