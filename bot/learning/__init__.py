"""The knowledge team's loop: what the bot could not answer, gathered so a person can teach it (issue 17)."""
