"""The agents' web console: queue, conversations, replies, served by the Rasa server under /console."""
