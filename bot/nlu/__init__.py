"""Custom Rasa NLU components for Chinese customer-service text.

Referenced from `config.yml` by their dotted paths, e.g. `bot.nlu.tokenizer.DomainJiebaTokenizer`.
"""
