"""Handing conversations to human agents: the ticket queue, working hours and agent accounts.

The console and the conversation side (pausing the bot, delivering agent replies) build on these.
"""
