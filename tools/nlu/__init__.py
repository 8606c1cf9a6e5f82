"""NLU components used only by the research benchmarks (not in the bot's pipeline), e.g.
`tools.nlu.character_crf.CharacterCRFEntityExtractor` for the SMP2019 benchmark's learned slots.
"""
