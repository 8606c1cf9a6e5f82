"""A picture (or a voice message WeChat did not recognise) from a customer as a turn of the conversation. The
bot cannot read pictures, so one is never given to NLU: it is recorded in the tracker (with its media reference in
the metadata, so the console and the widget show it) and, when the bot serves the conversation, answered honestly
with `utter_picture_received` (a person can look at it). During a hand-off the agent sees it like any message.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

MEDIA = "tp_media"  # message metadata: {"id", "type": "image" | "voice", …} (bot.media.files.reference)
PICTURE_TEXT = "[图片]"  # what the conversation's text shows for a picture
MEDIA_TEXT = {"image": PICTURE_TEXT, "voice": "[语音]"}
RECEIVED = "utter_picture_received"
# The turn's intent as the dialogue policies see it: the customer gave something, like an order number.
_READING = {"intent": {"name": "inform", "confidence": 1.0}, "entities": [], "text": PICTURE_TEXT}


def media_of(metadata: Optional[Dict[Text, Any]]) -> Optional[Dict[Text, Any]]:
    """The picture a message or utterance carries, if any."""
    media = (metadata or {}).get(MEDIA)
    return media if isinstance(media, dict) and media.get("id") else None


def is_picture(message: UserMessage) -> bool:
    return media_of(message.metadata) is not None


async def record_picture(agent: Any, message: UserMessage, reply: bool = True) -> bool:
    """Store the picture as the customer's turn; with `reply` and the bot not paused, answer it. Returns whether
    the bot answered (False while a person has the conversation: the picture is theirs)."""
    text: Optional[Text] = None
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.processor.get_tracker(message.sender_id)
        shown = message.text or PICTURE_TEXT
        tracker.update(UserUttered(shown, intent=_READING["intent"], parse_data={**_READING, "text": shown},
                                   input_channel=message.input_channel, metadata=message.metadata))
        if reply and not tracker.is_paused() and media_of(message.metadata).get("type", "image") == "image":
            generated = await agent.nlg.generate(RECEIVED, tracker, message.input_channel or "")
            text = (generated or {}).get("text")
            if text:
                tracker.update(ActionExecuted(RECEIVED))
                tracker.update(BotUttered(text, metadata={"utter_action": RECEIVED}))
            tracker.update(ActionExecuted("action_listen"))
        await agent.processor.save_tracker(tracker)
    if text:
        await message.output_channel.send_text_message(message.sender_id, text)
    return text is not None
