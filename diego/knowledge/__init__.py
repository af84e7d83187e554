"""What Diego knows and how he finds an answer: the bot, its training, its matchers and models."""
