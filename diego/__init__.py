"""Diego, a real-time chatbot: the parts that do not depend on the web framework."""

# What Diego says when nothing he knows is close to what he was told (FALLBACK_REPLY).
DEFAULT_FALLBACK_REPLY = "I'm not sure I understand. Could you say it another way?"
