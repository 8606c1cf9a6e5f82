"""How a message reaches a customer outside a reply to their own message (an agent's reply, the bot's
notices during a hand-off): one `Delivery` per channel, registered when the channel's routes are built.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel

logger = logging.getLogger(__name__)

AGENT_MESSAGE = "handoff_agent"  # BotUttered metadata key: the display name of the agent who wrote it
HANDOFF_NOTICE = "handoff_notice"  # BotUttered metadata key: the response of a hand-off notice ("agent joined", …)

_deliveries: Dict[Text, "Delivery"] = {}


class Delivery(ABC):
    """Sends to customers of one input channel, pushing (socket, platform API) or queueing for a poll."""

    channel: Text = ""

    @abstractmethod
    def output_channel(self, recipient_id: Text) -> OutputChannel:
        """An output channel whose send_* methods reach `recipient_id` on this channel."""

    async def handoff_changed(self, recipient_id: Text, state: Text, agent_name: Optional[Text] = None) -> None:
        """A person joined ("agent_joined"), left ("agent_left") or the customer is queued again ("queued"),
        for channels that show it beyond the text notice (the widget). Nothing by default."""

    async def agent_typing(self, recipient_id: Text, agent_name: Text) -> None:
        """The agent serving the customer is writing a reply, for channels that can show it. Nothing by default."""


def register(delivery: Delivery) -> None:
    _deliveries[delivery.channel] = delivery


def output_channel_for(channel: Text, recipient_id: Text) -> Optional[OutputChannel]:
    """Where to send to this customer, or None when the channel is not running in this server."""
    delivery = _deliveries.get(channel)
    if delivery is None:
        logger.warning("no delivery for channel %r: a message to %s is kept in the history only", channel, recipient_id)
        return None
    return delivery.output_channel(recipient_id)


async def handoff_changed(channel: Text, recipient_id: Text, state: Text, agent_name: Optional[Text] = None) -> None:
    """Tell the customer's channel about a hand-off change; a fault is logged, never raised."""
    target = _deliveries.get(channel)
    if target is None:
        return
    try:
        await target.handoff_changed(recipient_id, state, agent_name)
    except Exception as error:  # noqa: BLE001 - a status indicator must not break the agent's action
        logger.warning("hand-off state for %s on %s not shown: %s", recipient_id, channel, error)


async def agent_typing(channel: Text, recipient_id: Text, agent_name: Text) -> None:
    """Tell the customer's channel that their agent is typing; a fault is logged, never raised."""
    target = _deliveries.get(channel)
    if target is None:
        return
    try:
        await target.agent_typing(recipient_id, agent_name)
    except Exception as error:  # noqa: BLE001 - an indicator must not break the agent's editor
        logger.warning("typing indicator for %s on %s not shown: %s", recipient_id, channel, error)
