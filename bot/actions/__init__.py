"""Custom actions, served by the Rasa action server: `rasa run actions --actions bot.actions`.

One module per business task; the action server imports every module of this package.
"""
