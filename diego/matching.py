"""How Diego picks an answer from what he knows, and admits it when nothing fits."""

from chatterbot.conversation import Statement
from chatterbot.logic import BestMatch

from . import DEFAULT_FALLBACK_REPLY

# Below this similarity to the closest statement Diego knows, an answer would be a guess.
MINIMUM_CONFIDENCE = 0.7


class ConfidentMatch(BestMatch):
    """ChatterBot's BestMatch, but a weak match gets the fallback reply.

    Stock BestMatch answers a weak match with whatever its closest statement leads to,
    and, when nothing leads anywhere, with a random stored statement (with learning on,
    possibly another user's words).
    """

    def __init__(self, chatbot, fallback_reply: str = DEFAULT_FALLBACK_REPLY, **kwargs):
        super().__init__(chatbot, **kwargs)
        self.fallback_reply = fallback_reply

    def process(self, statement: Statement, additional_response_selection_parameters=None):
        response = super().process(statement, additional_response_selection_parameters)
        if response.confidence < MINIMUM_CONFIDENCE:
            response = Statement(text=self.fallback_reply)
            response.confidence = 0
        return response
